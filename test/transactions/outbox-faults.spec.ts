import { Injectable } from '@nestjs/common';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';
import { OutboxStore } from 'nestjs-durable-bus/transport';
import { PgClientLike, PostgresOutboxStore } from 'nestjs-durable-bus/postgres';
import { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { retryDelay } from '../../libs/event-bus/src/outbox/outbox-relay';
import { MemoryLogger } from '../support/bus-app';
import { deferred, Recorder, within } from '../support/deferred';
import { freshDatabase, query } from '../support/postgres';
import { createTransactionalApp, DRIZZLE, Orm, ORMS, TransactionalApp } from './support/transactional-app';
import { aroundEachBatch } from '../support/outbox-store';

/*
 * The relay when PostgreSQL drops its connections (a restart, a failover, pg_terminate_backend) or a batch keeps
 * failing: the process does not crash, the relay says once what failed, backs off, and nothing committed is lost.
 */

@BusEvent('faults.parcel-sent', { partitionKey: 'parcelId' })
class ParcelSent {
  constructor(
    readonly parcelId: string,
    readonly seq: number,
  ) {}
}

const delivered = new Recorder<number>();

@Injectable()
class Tracking {
  @OnEventAsync(ParcelSent, { id: 'faults.tracking', attempts: 1 })
  record(event: ParcelSent) {
    delivered.push(event.seq);
  }
}

/** Every connection to the test database but the caller's, as a restart would end them. */
const TERMINATE_ALL = `SELECT pid, query, pg_terminate_backend(pid, 5000) AS terminated FROM pg_stat_activity
   WHERE datname = current_database() AND pid <> pg_backend_pid()`;

let url: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  delivered.values.length = 0;
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  url = await freshDatabase();
});

afterEach(() => {
  process.removeListener('unhandledRejection', onUnhandled);
});

async function publishParcels(app: TransactionalApp, count: number): Promise<void> {
  await app.db.transaction(async () => {
    for (let seq = 0; seq < count; seq++) await app.bus.publish(new ParcelSent('p1', seq));
  });
}

function failureLines(logger: MemoryLogger): string[] {
  return logger.lines.filter((line) => line.message.startsWith('Outbox relay: a batch failed')).map((l) => l.message);
}

test.each(ORMS)(
  "terminating the relay's connections while a batch is claimed and its jobs are written does not crash; the rows are relayed again, each event handled once (%s)",
  async (orm: Orm) => {
    // The first batch with rows writes its jobs to Redis, then waits, its transaction open, until the test has
    // terminated every connection of the app (the claim's, the LISTEN one, the idle ones in the pool).
    const written = deferred();
    const terminated = deferred();
    let gated = false;
    const gateFirstBatch = (store: OutboxStore): OutboxStore =>
      aroundEachBatch(store, async (rows, write) => {
        await write(rows);
        if (gated) return;
        gated = true;
        written.resolve();
        await terminated.promise;
      });
    const logger = new MemoryLogger();
    const app = await createTransactionalApp({
      orm,
      databaseUrl: url,
      // Batches of 2: after the termination the turn claims its next batch on the dead connection while it writes one.
      outbox: { pollInterval: 100, batchSize: 2 },
      wrapStore: gateFirstBatch,
      providers: [Tracking],
      logger,
    });

    await publishParcels(app, 5);
    await within(written.promise, 10_000, 'the first batch written to Redis');
    const killed = await query<{ query: string; terminated: boolean }>(url, TERMINATE_ALL);
    expect(killed.filter((backend) => backend.query.includes('FOR UPDATE SKIP LOCKED'))).toHaveLength(1);
    expect(killed.filter((backend) => backend.query.startsWith('LISTEN'))).toHaveLength(1);
    expect(killed.every((backend) => backend.terminated)).toBe(true);
    terminated.resolve();

    await delivered.count(5, 15_000);
    await app.outbox.relay!.drain();
    await app.drain();
    expect([...delivered.values].sort()).toEqual([0, 1, 2, 3, 4]); // each once: the re-relayed job ids existed
    expect(await app.outbox.store!.pending()).toBe(0);
    const failures = failureLines(logger);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/terminating connection due to administrator command.*rows stay pending, next try/);
    await logger.logged('the LISTEN connection was lost');
    expect(unhandled).toEqual([]);
  },
);

test.each(ORMS)(
  "idle pool connections terminated between batches do not crash the process; the pool's 'error' listeners stay one (%s)",
  async (orm: Orm) => {
    const logger = new MemoryLogger();
    const app = await createTransactionalApp({
      orm,
      databaseUrl: url,
      outbox: { pollInterval: 100 },
      providers: [Tracking],
      logger,
    });
    const pool =
      orm === 'typeorm'
        ? (app.app.get(DataSource).driver as unknown as { master: Pool }).master
        : app.app.get<{ $client: Pool }>(DRIZZLE).$client;
    await publishParcels(app, 1);
    await delivered.count(1);
    await app.outbox.relay!.drain(); // its client is back in the pool, idle
    expect(pool.idleCount).toBeGreaterThan(0);

    // Not an 'error' listener: that would be the very thing that keeps the process up.
    const removed = deferred();
    pool.once('remove', () => removed.resolve());
    await query(url, TERMINATE_ALL);
    await within(removed.promise, 10_000, 'the pool dropping its terminated idle client');
    if (orm === 'drizzle') await logger.logged('PostgreSQL pool: an idle connection was lost');

    await publishParcels(app, 1);
    await delivered.count(2);
    // The relay keeps polling (every 100 ms): a claim it had open when the connections were terminated fails that
    // try, as any batch would, and its rows are relayed by the next. Nothing else may fail.
    const termination = 'terminating connection due to administrator command';
    expect(failureLines(logger).filter((line) => !line.includes(termination))).toEqual([]);
    expect(unhandled).toEqual([]);
    // TypeORM's own listener, or (Drizzle: the app added none) the store's; never both.
    expect(pool.listenerCount('error')).toBe(1);
  },
);

test("a LISTEN connection lent by the pool (a pool without pg's Client class) that PostgreSQL drops is given back at once; the relay polls", async () => {
  // A pool that only lends clients (as a wrapper may hide pg-pool's Client and options): LISTEN takes one of them.
  const pool = new Pool({ connectionString: url, max: 3 });
  pool.on('error', () => undefined); // its idle clients when the test database is dropped (not under test here)
  const lendOnly = { connect: async () => (await pool.connect()) as unknown as PgClientLike };
  const onLentPool = () =>
    new PostgresOutboxStore(
      'lend-only',
      () => lendOnly,
      (transaction, text, params) => (transaction as EntityManager).query(text, [...params]),
    );
  const logger = new MemoryLogger();
  const apps: TransactionalApp[] = [];
  try {
    const relaying = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: url,
      outbox: { pollInterval: 100 },
      wrapStore: onLentPool,
      providers: [Tracking],
      logger,
    });
    const publisher = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: url,
      prefix: relaying.prefix,
      role: 'publisher',
      outbox: { relay: false },
      providers: [Tracking],
      logger, // Nest's logger is process-wide: a second app without one would take it back
    });
    apps.push(relaying, publisher);
    expect(pool.totalCount - pool.idleCount).toBe(1); // the LISTEN client, checked out

    const removed = deferred();
    pool.once('remove', () => removed.resolve());
    await query(url, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'");
    await within(removed.promise, 10_000, 'the lost LISTEN client given back to the pool and destroyed');
    expect(pool.totalCount - pool.idleCount).toBe(0);

    await publishParcels(publisher, 2); // no relay there: only the polling relay can move it
    await delivered.count(2, 10_000);
    const lost = logger.lines.filter((line) => line.message.includes('the LISTEN connection was lost'));
    expect(lost.map((line) => line.message)).toEqual([
      'Outbox relay: the LISTEN connection was lost (terminating connection due to administrator command); polling only from now on',
    ]);
    expect(unhandled).toEqual([]);
  } finally {
    for (const app of apps) await app.close();
    await pool.end();
  }
});

test('a failing relay backs off, doubling from the poll interval, and commits meanwhile do not cut the wait short', async () => {
  const failedAt = new Recorder<number>();
  const started: { app?: TransactionalApp } = {};
  const failFourTimes = (store: OutboxStore): OutboxStore =>
    aroundEachBatch(store, async (rows, write) => {
      if (failedAt.values.length >= 4) return write(rows);
      failedAt.push(Date.now());
      // As if every commit of a busy app woke the relay right after the failure.
      setImmediate(() => started.app?.outbox.relay!.wake());
      throw new Error('Redis is down');
    });
  const logger = new MemoryLogger();
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: { pollInterval: 100 },
    wrapStore: failFourTimes,
    providers: [Tracking],
    logger,
  });
  started.app = app;

  await publishParcels(app, 3);
  const times = await failedAt.count(4, 10_000);
  await delivered.count(3, 10_000);
  const gaps = times.slice(1).map((at, i) => at - times[i]!);
  // Timers do not fire early (a millisecond of rounding aside).
  gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(100 * 2 ** i - 2));
  expect(failureLines(logger)).toEqual(
    [100, 200, 400, 800].map(
      (ms) => `Outbox relay: a batch failed (Redis is down); its rows stay pending, next try in ${ms} ms`,
    ),
  );
  expect(await app.outbox.store!.pending()).toBe(0);
});

test('the retry delay doubles from the poll interval up to 30 s, or the poll interval when that is longer', () => {
  expect([0, 1, 2, 3].map((failures) => retryDelay(1000, failures))).toEqual([1000, 2000, 4000, 8000]);
  expect(retryDelay(1000, 5)).toBe(30_000);
  expect(retryDelay(1000, 1_000)).toBe(30_000);
  expect(retryDelay(60_000, 3)).toBe(60_000);
});
