import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { BusEvent, EventBus, EventContext, OnEventAsync } from 'nestjs-durable-bus';
import { inboxMigrationSql } from 'nestjs-durable-bus/postgres';
import { Client } from 'pg';
import { MemoryLogger, redisUrl } from '../support/bus-app';
import { deferred, Deferred, Recorder, within } from '../support/deferred';
import { recordJobEvents, waitForFinished } from '../support/job-events';
import { freshDatabase, query } from '../support/postgres';
import { createTransactionalApp, Db, ORMS } from './support/transactional-app';

const SCHEMA = [
  inboxMigrationSql(),
  'CREATE TABLE effects (event_id text NOT NULL, handler text NOT NULL, attempt int NOT NULL, note text)',
];

@BusEvent('inbox.payment-received')
class PaymentReceived {
  constructor(readonly paymentId: string) {}
}

@BusEvent('inbox.receipt-issued')
class ReceiptIssued {
  constructor(readonly paymentId: string) {}
}

@BusEvent('inbox.account-credited', { partitionKey: 'accountId' })
class AccountCredited {
  constructor(
    readonly accountId: string,
    readonly seq: number,
  ) {}
}

/** What each handler run saw, for the tests to wait on. */
const runs = new Recorder<{ handler: string; eventId: string; attempt: number; seq?: number }>();
/** When set, the payment handler waits on it after writing its effect (its transaction still open). */
const hold: { current: Deferred<void> | undefined; entered: Deferred<void> | undefined } = {
  current: undefined,
  entered: undefined,
};
/** When set, the payment handler throws on the attempts listed, after its effect and its follow-up publish. */
const failOn: { attempts: number[] } = { attempts: [] };
/** What the outside world saw when an attempt started (a connection of its own, outside the handler's transaction). */
const seenAtStart: { effects: number; inbox: number; outbox: number; attempt: number }[] = [];
let url: string;

@Injectable()
class Payments {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
  ) {}

  @OnEventAsync(PaymentReceived, { id: 'inbox.issue-receipt', inbox: true, attempts: 3, backoff: 10, concurrency: 1 })
  async issueReceipt(event: PaymentReceived, ctx: EventContext) {
    if (failOn.attempts.length > 0) seenAtStart.push({ ...(await outsideCounts()), attempt: ctx.attempt });
    await this.db.query('INSERT INTO effects (event_id, handler, attempt, note) VALUES ($1, $2, $3, $4)', [
      ctx.eventId,
      ctx.handlerId,
      ctx.attempt,
      event.paymentId,
    ]);
    await this.bus.publish(new ReceiptIssued(event.paymentId)); // in the handler's transaction: the outbox
    runs.push({ handler: ctx.handlerId, eventId: ctx.eventId, attempt: ctx.attempt });
    if (hold.current) {
      hold.entered?.resolve();
      await hold.current.promise;
    }
    if (failOn.attempts.includes(ctx.attempt)) throw new Error(`payment handler fails on attempt ${ctx.attempt}`);
    return { receipt: event.paymentId };
  }

  @OnEventAsync(ReceiptIssued, { id: 'inbox.mail-receipt' })
  mailReceipt(_event: ReceiptIssued, ctx: EventContext) {
    runs.push({ handler: ctx.handlerId, eventId: ctx.eventId, attempt: ctx.attempt });
  }
}

@Injectable()
class Accounts {
  constructor(private readonly db: Db) {}

  @OnEventAsync(AccountCredited, { id: 'inbox.credit', inbox: true, lanes: 2, attempts: 3, backoff: 10 })
  async credit(event: AccountCredited, ctx: EventContext) {
    await this.db.query('INSERT INTO effects (event_id, handler, attempt, note) VALUES ($1, $2, $3, $4)', [
      ctx.eventId,
      ctx.handlerId,
      ctx.attempt,
      `${event.accountId}:${event.seq}`,
    ]);
    runs.push({ handler: ctx.handlerId, eventId: ctx.eventId, attempt: ctx.attempt, seq: event.seq });
    if (event.seq === 0 && ctx.attempt === 1) throw new Error('first credit fails once');
  }
}

async function outsideCounts(): Promise<{ effects: number; inbox: number; outbox: number }> {
  const [row] = await query<{ effects: number; inbox: number; outbox: number }>(
    url,
    `SELECT (SELECT count(*)::int FROM effects) AS effects, (SELECT count(*)::int FROM durable_bus_inbox) AS inbox,
            (SELECT count(*)::int FROM durable_bus_outbox) AS outbox`,
  );
  return row!;
}

async function effectsOf(eventId: string): Promise<number> {
  const [row] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [
    eventId,
  ]);
  return row!.n;
}

beforeEach(async () => {
  runs.values.length = 0;
  seenAtStart.length = 0;
  hold.current = undefined;
  hold.entered = undefined;
  failOn.attempts = [];
  url = await freshDatabase(...SCHEMA);
});

describe.each(ORMS)('with %s', (orm) => {
  test('a redelivered event is skipped: the effect exists once, the job completes as a duplicate, logged and counted', async () => {
    const logger = new MemoryLogger();
    const app = await createTransactionalApp({
      orm,
      databaseUrl: url,
      outbox: { pollInterval: 1000 },
      inbox: {},
      providers: [Payments],
      logger,
    });
    const event = new PaymentReceived('p-1');
    const events = await recordJobEvents(app.prefix, 'inbox.issue-receipt');
    const published = await app.bus.publish(event);
    const receipt = { eventId: published.eventId, jobId: published.jobs[0]!.jobId };
    const completions = (count: number) =>
      events
        .until(
          (v) => v.filter((e) => e.event === 'completed' && e.jobId === receipt.jobId).length === count,
          `completion ${count} of the job`,
        )
        .then((v) => v.filter((e) => e.event === 'completed').map((e) => parsed(e.returnvalue)));
    expect(await completions(1)).toEqual([{ receipt: 'p-1' }]);
    await runs.until((v) => v.some((r) => r.handler === 'inbox.mail-receipt'), 'the follow-up through the outbox');

    // Redeliver: the completed job is removed and the same event (same id) published again.
    const handle = new Queue('inbox.issue-receipt', { connection: { url: redisUrl() }, prefix: app.prefix });
    await handle.remove(receipt.jobId);
    await handle.close();
    await app.bus.publish(event);
    expect(await completions(2)).toEqual([
      { receipt: 'p-1' },
      { inbox: 'duplicate', handlerId: 'inbox.issue-receipt', eventId: receipt.eventId },
    ]);
    await logger.logged(`is a duplicate delivery of event ${receipt.eventId}`);

    expect(await effectsOf(receipt.eventId)).toBe(1);
    expect(runs.values.filter((r) => r.handler === 'inbox.issue-receipt')).toHaveLength(1);
    expect(app.inbox.stats()).toEqual({ handled: 1, duplicates: 1 });
    const inboxRows = await query(url, 'SELECT handler_id, event_id FROM durable_bus_inbox');
    expect(inboxRows).toEqual([{ handler_id: 'inbox.issue-receipt', event_id: receipt.eventId }]);
    // The follow-up went through the outbox, in the handler's transaction, once.
    const outbox = await query<{ name: string }>(url, 'SELECT name FROM durable_bus_outbox');
    expect(outbox.map((row) => row.name)).toEqual(['inbox.receipt-issued']);
  });

  test('a forced double delivery to two workers at once runs the effect once: the second blocks on the first row, then skips', async () => {
    const worker = (prefix?: string) =>
      createTransactionalApp({ orm, databaseUrl: url, prefix, outbox: false, inbox: {}, providers: [Payments] });
    const a = await worker();
    const b = await worker(a.prefix);
    hold.current = deferred();
    hold.entered = deferred();
    const events = await recordJobEvents(a.prefix, 'inbox.issue-receipt');
    const published = await a.bus.publish(new PaymentReceived('p-2'));
    const receipt = { eventId: published.eventId, jobId: published.jobs[0]!.jobId };
    await within(hold.entered.promise, 10_000, 'the first delivery to hold its transaction open');

    // The same job delivered a second time while the first run holds its row (concurrency 1: the other worker takes it).
    const queue = new Queue('inbox.issue-receipt', { connection: { url: redisUrl() }, prefix: a.prefix });
    const original = (await queue.getJob(receipt.jobId))!;
    await queue.add(original.name, original.data, { jobId: `${receipt.jobId}.again` });
    await queue.close();
    await waitForLockWait(10_000);
    hold.current.resolve();

    const finished = await events.until(
      (v) => v.filter((e) => e.event === 'completed').length === 2,
      'both deliveries to complete',
    );
    const completed = finished.filter((e) => e.event === 'completed');
    expect(completed.map((e) => e.jobId).sort()).toEqual([receipt.jobId, `${receipt.jobId}.again`].sort());
    expect(await effectsOf(receipt.eventId)).toBe(1);
    expect(runs.values.filter((r) => r.handler === 'inbox.issue-receipt')).toHaveLength(1);
    const stats = [a.inbox.stats(), b.inbox.stats()];
    expect(stats.reduce((n, s) => n + s.handled, 0)).toBe(1);
    expect(stats.reduce((n, s) => n + s.duplicates, 0)).toBe(1);
  });
});

/** QueueEvents hands the return value over as JSON text. */
function parsed(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

/** Waits (bounded) until a backend of the test database waits on a lock (the second delivery's insert). */
async function waitForLockWait(ms: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const found = (async () => {
      for (;;) {
        const { rows } = await client.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%durable_bus_inbox%'`,
        );
        if ((rows[0] as { n: number }).n > 0) return;
      }
    })();
    await within(found, ms, 'the second delivery to wait on the first one’s inbox row');
  } finally {
    await client.end();
  }
}

test('a throwing handler leaves neither its effect, its inbox row nor its outbox row; the retry runs it and commits once', async () => {
  failOn.attempts = [1];
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: { pollInterval: 1000 },
    inbox: {},
    providers: [Payments],
  });
  const published = await app.bus.publish(new PaymentReceived('p-3'));
  const receipt = { eventId: published.eventId, jobId: published.jobs[0]!.jobId };
  const finished = await waitForFinished(app.prefix, 'inbox.issue-receipt', receipt.jobId);
  expect(finished.state).toBe('completed');
  // Attempt 2 started with nothing of attempt 1 in the database: its effect, row and follow-up rolled back.
  expect(seenAtStart).toEqual([
    { attempt: 1, effects: 0, inbox: 0, outbox: 0 },
    { attempt: 2, effects: 0, inbox: 0, outbox: 0 },
  ]);
  expect(await query(url, 'SELECT attempt FROM effects')).toEqual([{ attempt: 2 }]);
  expect(await query(url, 'SELECT event_id FROM durable_bus_inbox')).toEqual([{ event_id: receipt.eventId }]);
  expect(app.inbox.stats()).toEqual({ handled: 1, duplicates: 0 });
});

test('a handler exhausting its attempts leaves neither its effect nor its inbox row', async () => {
  failOn.attempts = [1, 2, 3];
  const app = await createTransactionalApp({
    orm: 'drizzle',
    databaseUrl: url,
    outbox: false,
    inbox: {},
    providers: [Payments],
  });
  const published = await app.bus.publish(new PaymentReceived('p-4'));
  const receipt = { eventId: published.eventId, jobId: published.jobs[0]!.jobId };
  const finished = await waitForFinished(app.prefix, 'inbox.issue-receipt', receipt.jobId);
  expect(finished.state).toBe('failed');
  expect(await outsideCounts()).toEqual({ effects: 0, inbox: 0, outbox: 0 });
});

test('on lanes, an inbox handler retried in place keeps key order and writes each effect once', async () => {
  const app = await createTransactionalApp({
    orm: 'drizzle',
    databaseUrl: url,
    outbox: false,
    inbox: {},
    providers: [Accounts],
  });
  for (let seq = 0; seq < 5; seq++) await app.bus.publish(new AccountCredited('acc-1', seq));
  await runs.until((v) => v.filter((r) => r.handler === 'inbox.credit').length === 6, 'five credits and one retry');
  await app.drain();
  expect(runs.values.map((r) => `${r.seq}@${r.attempt}`)).toEqual(['0@1', '0@2', '1@1', '2@1', '3@1', '4@1']);
  const notes = await query<{ note: string }>(url, 'SELECT note FROM effects ORDER BY note');
  expect(notes.map((row) => row.note)).toEqual(['acc-1:0', 'acc-1:1', 'acc-1:2', 'acc-1:3', 'acc-1:4']);
  const [rows] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM durable_bus_inbox');
  expect(rows!.n).toBe(5);
});

test('rows older than the retention are pruned, younger ones kept', async () => {
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: false,
    inbox: { retention: 3_600_000 },
    providers: [Payments],
  });
  await query(
    url,
    `INSERT INTO durable_bus_inbox (handler_id, event_id, processed_at) VALUES
       ('h', 'old-1', now() - interval '2 hours'), ('h', 'old-2', now() - interval '90 minutes'), ('h', 'new', now())`,
  );
  expect(await app.inbox.prune()).toBe(2);
  expect(await query(url, 'SELECT event_id FROM durable_bus_inbox')).toEqual([{ event_id: 'new' }]);
});
