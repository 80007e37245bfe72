/**
 * Scenario 5: the outbox, two ways.
 *
 * 5a, the relay itself (commit → enqueued): events already committed to the outbox (one transaction each, the relay
 * stopped meanwhile) are moved to BullMQ by `relay.drain()`, vs `EventBus.publish` of the same events by 64 callers
 * with no transaction and no outbox (the jobs written directly). Both: jobs/s until every job is in BullMQ.
 *
 * 5b, the whole command: 64 callers each run a PostgreSQL transaction (TypeORM through @nestjs-cls/transactional,
 * adapter wrapped in `withEventBus`) that inserts an order row and publishes an event with 3 async handlers. With the
 * outbox, the jobs are rows written in that transaction and the running relay moves them to BullMQ; the time runs
 * until it has enqueued the last one. Without it ("direct publish"), the same transaction commits and the bus writes
 * the jobs to BullMQ right after the commit; the time runs until the last transaction (and so its write) returned.
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusOutbox } from 'nestjs-durable-bus';
import { OutboxStore } from 'nestjs-durable-bus/transport';
import { OutboxRelay } from '../libs/event-bus/src/outbox/outbox-relay';
import { outboxMigrationSql } from 'nestjs-durable-bus/postgres';
import { Db, transactionalImports } from '../test/transactions/support/transactional-module';
import { startLocalPostgres } from '../tools/local-postgres';
import { OrderHandlers } from './support/bench-apps';
import { HANDLER_IDS, orderPlaced } from './support/bench-events';
import { Contender, countdown, fromCallers, interleave, median, rate } from './support/measure';
import { deletePrefix, freshPrefix, LoadLog } from './support/redis-tools';
import { Scenario } from './support/scenario';
import { sql } from './support/postgres-tools';
import { aroundEachBatch } from '../test/support/outbox-store';

const CALLERS = 64;

const ORDERS_TABLE = `CREATE TABLE bench_orders (id text PRIMARY KEY, customer_id text NOT NULL, total numeric NOT NULL)`;

export const outbox: Scenario = async ({ quick, rounds, redisUrl }) => {
  const events = quick ? 2_000 : 6_000;
  const jobs = events * HANDLER_IDS.length;
  const postgres = await startLocalPostgres();
  const latencies: { p50: number[]; p99: number[] } = { p50: [], p99: [] };
  let databases = 0;
  // Which of Node, Redis and PostgreSQL is busy while each sample runs (all three share the machine's cores).
  const loads = new LoadLog<'drain' | 'direct' | 'outbox' | 'after-commit'>(redisUrl, { postgres: true });

  /** A fresh database (outbox migration + orders table) and a bus app on it, closed and dropped after `run`. */
  const withApp = async <T>(
    outboxOn: boolean,
    run: (app: {
      bus: EventBus;
      db: Db;
      relay: OutboxRelay | undefined;
      relayed: (count: number) => Promise<void>;
    }) => Promise<T>,
  ): Promise<T> => {
    const database = `bench_outbox_${process.pid}_${databases++}`;
    await sql(postgres.url, `CREATE DATABASE ${database}`);
    const url = new URL(postgres.url);
    url.pathname = `/${database}`;
    await sql(url.toString(), outboxMigrationSql(), ORDERS_TABLE);
    const prefix = freshPrefix(outboxOn ? 'outbox' : 'direct');
    let onRelayed: (rows: number) => void = () => undefined;
    const counting = (store: OutboxStore): OutboxStore => countingStore(store, (rows) => onRelayed(rows));
    @Module({
      imports: transactionalImports({
        orm: 'typeorm',
        databaseUrl: url.toString(),
        redisUrl,
        prefix,
        role: 'publisher',
        outbox: outboxOn ? {} : false,
        wrapStore: counting,
      }),
      providers: [Db, OrderHandlers],
    })
    class OutboxBenchApp {}
    const app: INestApplicationContext = await NestFactory.createApplicationContext(OutboxBenchApp, {
      logger: ['error', 'warn'],
    });
    await app.init();
    try {
      const relayed = (count: number) => {
        const all = countdown(count);
        onRelayed = all.tick;
        return all.done;
      };
      const relay = app.get(EventBusOutbox).relay;
      const result = await run({ bus: app.get(EventBus), db: app.get(Db), relay, relayed });
      if (outboxOn && relay!.running) {
        const stats = relay!.stats();
        latencies.p50.push(stats.p50LatencyMs ?? NaN);
        latencies.p99.push(stats.p99LatencyMs ?? NaN);
      }
      return result;
    } finally {
      await app.close();
      await deletePrefix(redisUrl, prefix);
      await sql(postgres.url, `DROP DATABASE ${database} WITH (FORCE)`);
    }
  };

  /** One command: a transaction that inserts the order and publishes its event. */
  const placeOrder = (bus: EventBus, db: Db, i: number) =>
    db.transaction(async () => {
      const event = orderPlaced(i);
      await db.query('INSERT INTO bench_orders (id, customer_id, total) VALUES ($1, $2, $3)', [
        event.orderId,
        event.customerId,
        event.total,
      ]);
      await bus.publish(event);
    });
  const placeOrders = (bus: EventBus, db: Db) => fromCallers(events, CALLERS, (i) => placeOrder(bus, db, i));

  const drainContenders: Contender[] = [
    {
      label: 'relay.drain of committed rows',
      sample: () =>
        withApp(true, async ({ bus, db, relay }) => {
          await relay!.stop(); // the rows pile up until the drain
          await placeOrder(bus, db, -1);
          await relay!.drain();
          await placeOrders(bus, db);
          let moved = 0;
          const perSecond = await loads.measure('drain', () =>
            rate(jobs, async () => {
              moved = await relay!.drain();
            }),
          );
          if (moved !== jobs) throw new Error(`scenario 5a: the relay moved ${moved} jobs, not ${jobs}`);
          return perSecond;
        }),
    },
    {
      label: 'direct publish, no transaction',
      sample: () =>
        withApp(false, async ({ bus }) => {
          await bus.publish(orderPlaced(-1));
          return loads.measure('direct', () =>
            rate(jobs, () => fromCallers(events, CALLERS, (i) => bus.publish(orderPlaced(i)))),
          );
        }),
    },
  ];

  const contenders: Contender[] = [
    {
      label: 'outbox + relay',
      sample: () =>
        withApp(true, async ({ bus, db, relayed }) => {
          // One order first (connections, the relay's LISTEN, Redis scripts), as on the other side.
          const warm = relayed(HANDLER_IDS.length);
          await placeOrder(bus, db, -1);
          await warm;
          const all = relayed(jobs);
          return loads.measure('outbox', () =>
            rate(jobs, async () => {
              await placeOrders(bus, db);
              await all;
            }),
          );
        }),
    },
    {
      label: 'direct publish',
      sample: () =>
        withApp(false, async ({ bus, db }) => {
          await placeOrder(bus, db, -1);
          return loads.measure('after-commit', () => rate(jobs, () => placeOrders(bus, db)));
        }),
    },
  ];
  try {
    const drainSamples = await interleave(drainContenders, rounds);
    const samples = await interleave(contenders, rounds);
    const p50 = median(latencies.p50.slice(-rounds));
    const p99 = median(latencies.p99.slice(-rounds));
    return [
      {
        id: '5a',
        scenario: 'outbox relay: committed rows → jobs in BullMQ',
        ours: 'relay.drain',
        peer: 'direct publish, no transaction',
        unit: 'jobs/s',
        samples: drainSamples,
        goal: { op: '>=', value: 0.8 },
        note:
          `${events.toLocaleString('en-US')} events = ${jobs.toLocaleString('en-US')} jobs per sample, ` +
          `relay batches of 500 rows; the direct side from ${CALLERS} callers. CPU while sampling (1 core = 100%): ` +
          `ours ${loads.describe('drain')}; peer ${loads.describe('direct')}`,
      },
      {
        id: '5b',
        scenario: 'outbox: transaction + publish → jobs in BullMQ',
        ours: 'outbox + relay',
        peer: 'direct publish after commit, no outbox',
        unit: 'jobs/s',
        samples,
        goal: { op: '>=', value: 0.8 },
        note:
          `${events.toLocaleString('en-US')} transactions (an order row + one event = 3 jobs) from ${CALLERS} callers ` +
          `per sample, TypeORM on an embedded PostgreSQL; commit → enqueued latency through the relay: ` +
          `p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (medians over samples, database clock). CPU while ` +
          `sampling (1 core = 100%): ours ${loads.describe('outbox')}; peer ${loads.describe('after-commit')}`,
      },
      ...(['p50', 'p99'] as const).map((quantile, i) => ({
        id: `5${'cd'[i]!}`,
        scenario: `outbox: commit → enqueued through the relay, ${quantile}, under 5b's load`,
        ours: 'relay.stats(), median over samples',
        unit: 'ms',
        value: quantile === 'p50' ? p50 : p99,
        goal: { op: '<=' as const, value: quantile === 'p50' ? 20 : 100 },
        note: "the relay's own figure (`relay.stats()`), from each row's insert to its job's write, database clock",
      })),
    ];
  } finally {
    await postgres.stop();
  }
};

/** The store, reporting how many rows each batch's write moved to the transport (as soon as it is written). */
function countingStore(store: OutboxStore, onRelayed: (rows: number) => void): OutboxStore {
  return aroundEachBatch(store, async (rows, write) => {
    await write(rows);
    onRelayed(rows.length);
  });
}
