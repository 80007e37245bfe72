import { Queue } from 'bullmq';
import { freshPrefix, MemoryLogger, redisUrl } from '../support/bus-app';
import { runTs } from '../support/child-process';
import { Recorder } from '../support/deferred';
import { freshDatabase, query } from '../support/postgres';
import { INBOX_CRASH_SCHEMA, OrderPaid, onShipped, Shipping } from './fixtures/inbox-crash';
import { createTransactionalApp } from './support/transactional-app';

const EVENTS = 20;
const HOLD_AT = 5;

test('a worker killed with SIGKILL after its handler committed, before the job completed: another worker skips the redelivery, each effect exists once', async () => {
  const url = await freshDatabase(...INBOX_CRASH_SCHEMA);
  const prefix = freshPrefix();
  const publisher = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    prefix,
    role: 'publisher',
    outbox: false,
    providers: [Shipping],
  });
  for (let i = 0; i < EVENTS; i++) await publisher.bus.publish(new OrderPaid(`order-${i}`));

  const child = runTs('test/transactions/fixtures/inbox-crash-worker.ts', [], {
    CRASH_DATABASE_URL: url,
    CRASH_PREFIX: prefix,
    HOLD_AT: String(HOLD_AT),
  });
  await child.printed('committed and holding', 60_000);
  const held = /committed and holding (\S+)/.exec(child.output())![1]!;
  expect(await child.stop('SIGKILL')).toBeNull();
  expect(child.process.signalCode).toBe('SIGKILL');
  // The held event's effect is committed, and its job is still active: BullMQ will deliver it again.
  expect(await query(url, 'SELECT count(*)::int AS n FROM shipments WHERE event_id = $1', [held])).toEqual([{ n: 1 }]);
  const queue = new Queue('inbox-crash.ship', { connection: { url: redisUrl() }, prefix });
  try {
    expect(await queue.getJobCounts('active', 'completed')).toEqual({ active: 1, completed: HOLD_AT - 1 });

    const shipped = new Recorder<string>();
    onShipped.current = (orderId) => shipped.push(orderId);
    const logger = new MemoryLogger();
    const worker = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: url,
      prefix,
      outbox: false,
      inbox: {},
      worker: { lockDuration: 1000, stalledInterval: 1000 },
      providers: [Shipping],
      logger,
    });
    await shipped.count(EVENTS - HOLD_AT, 60_000);
    await worker.drain(30_000);

    expect(await queue.getJobCounts('completed', 'failed', 'active', 'waiting')).toEqual({
      completed: EVENTS,
      failed: 0,
      active: 0,
      waiting: 0,
    });
    const [counts] = await query<{ rows: number; events: number }>(
      url,
      'SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS events FROM shipments',
    );
    const duplicates = worker.inbox.stats().duplicates;
    const line = `inbox: events=${EVENTS} effects=${counts!.rows} duplicates_skipped=${duplicates}`;
    process.stdout.write(`${line}\n`);
    expect(line).toBe(`inbox: events=${EVENTS} effects=${EVENTS} duplicates_skipped=1`);
    expect(counts!.events).toBe(EVENTS);
    // The duplicate skipped is the event whose job the killed worker left active.
    await logger.logged(`is a duplicate delivery of event ${held}`);
  } finally {
    onShipped.current = () => undefined;
    await queue.close();
  }
}, 180_000);
