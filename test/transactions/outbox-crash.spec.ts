import { freshPrefix } from '../support/bus-app';
import { runTs } from '../support/child-process';
import { Recorder } from '../support/deferred';
import { freshDatabase, query } from '../support/postgres';
import { CRASH_SCHEMA, Fulfilment, onHandled } from './fixtures/crash-orders';
import { createTransactionalApp } from './support/transactional-app';

const ORDERS = 1000;

test('a publisher killed with SIGKILL after committing 1,000 orders loses no event: a fresh relay delivers each once', async () => {
  const url = await freshDatabase(...CRASH_SCHEMA);
  const prefix = freshPrefix();
  const child = runTs('test/transactions/fixtures/outbox-crash-publisher.ts', [], {
    CRASH_DATABASE_URL: url,
    CRASH_PREFIX: prefix,
    ORDERS: String(ORDERS),
  });
  await child.printed('all committed', 90_000);
  const signal = await child.stop('SIGKILL');
  expect(signal).toBeNull(); // killed, not exited
  expect(child.process.signalCode).toBe('SIGKILL');

  const committed = Number((await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM orders'))[0]!.n);
  const handled = new Recorder<string>();
  onHandled.current = (orderId) => handled.push(orderId);
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    prefix,
    outbox: { pollInterval: 1000 },
    providers: [Fulfilment],
  });
  await handled.count(committed, 60_000);
  await app.outbox.relay!.drain();
  await app.drain(30_000);

  const [counts] = await query<{ rows: number; distinct_orders: number }>(
    url,
    'SELECT count(*)::int AS rows, count(DISTINCT order_id)::int AS distinct_orders FROM handled',
  );
  const [orphans] = await query<{ n: number }>(
    url,
    'SELECT count(*)::int AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM handled h WHERE h.order_id = o.id)',
  );
  const delivered = counts!.distinct_orders;
  const duplicates = counts!.rows - counts!.distinct_orders;
  const lost = orphans!.n;
  const line = `outbox: committed=${committed} delivered=${delivered} lost=${lost} duplicates=${duplicates}`;
  process.stdout.write(`${line}\n`);
  expect(line).toBe(`outbox: committed=${ORDERS} delivered=${ORDERS} lost=0 duplicates=0`);
  expect(await app.outbox.store!.pending()).toBe(0);
}, 180_000);
