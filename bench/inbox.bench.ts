/**
 * Scenario 8: the inbox's cost, end to end. 64 callers publish events (no transaction) to one async handler that
 * writes an effect row to PostgreSQL (TypeORM through @nestjs-cls/transactional); the time runs until the handler has
 * committed the last one. Ours: the handler declared `{ inbox: true }` (the bus opens its transaction and inserts the
 * inbox row first). The peer: the same handler doing its own dedup, as users write it today: it opens the transaction
 * itself through the same `TransactionHost` and inserts `(handler, event id) ON CONFLICT DO NOTHING` into a table of
 * its own before the effect (8a). 8b prices exactly-once: the same effect insert with no dedup and no transaction.
 * Same database, same pool, same worker concurrency.
 */
import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { EventBus, EventContext, OnEventAsync } from 'nestjs-durable-bus';
import { inboxMigrationSql } from 'nestjs-durable-bus/postgres';
import { Db, transactionalImports } from '../test/transactions/support/transactional-module';
import { startLocalPostgres } from '../tools/local-postgres';
import { BenchOrderPlaced, orderPlaced } from './support/bench-events';
import { Contender, countdown, fromCallers, interleave, rate } from './support/measure';
import { createDatabase, sql } from './support/postgres-tools';
import { deletePrefix, freshPrefix } from './support/redis-tools';
import { Scenario } from './support/scenario';

const CALLERS = 64;
const CONCURRENCY = 10;

const TABLES = [
  inboxMigrationSql(),
  'CREATE TABLE bench_effects (event_id text NOT NULL, order_id text NOT NULL)',
  'CREATE TABLE bench_dedup (handler_id text NOT NULL, event_id text NOT NULL, PRIMARY KEY (handler_id, event_id))',
];

/** Counts handler runs for the sample in progress. */
const handled: { tick: () => void } = { tick: () => undefined };

@Injectable()
class InboxHandler {
  constructor(private readonly db: Db) {}

  @OnEventAsync(BenchOrderPlaced, { id: 'bench.inbox-effect', inbox: true, concurrency: CONCURRENCY })
  async apply(event: BenchOrderPlaced, ctx: EventContext) {
    await this.db.query('INSERT INTO bench_effects (event_id, order_id) VALUES ($1, $2)', [ctx.eventId, event.orderId]);
    handled.tick();
  }
}

@Injectable()
class HandRolledDedup {
  constructor(
    private readonly db: Db,
    private readonly host: TransactionHost,
  ) {}

  @OnEventAsync(BenchOrderPlaced, { id: 'bench.own-dedup-effect', concurrency: CONCURRENCY })
  async apply(event: BenchOrderPlaced, ctx: EventContext) {
    await this.host.withTransaction(async () => {
      const fresh = await this.db.query<{ inserted: number }>(
        `WITH inserted AS (
           INSERT INTO bench_dedup (handler_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
         )
         SELECT count(*)::int AS inserted FROM inserted`,
        [ctx.handlerId, ctx.eventId],
      );
      if (fresh[0]?.inserted !== 1) return;
      await this.db.query('INSERT INTO bench_effects (event_id, order_id) VALUES ($1, $2)', [
        ctx.eventId,
        event.orderId,
      ]);
    });
    handled.tick();
  }
}

@Injectable()
class NoDedup {
  constructor(private readonly db: Db) {}

  @OnEventAsync(BenchOrderPlaced, { id: 'bench.plain-effect', concurrency: CONCURRENCY })
  async apply(event: BenchOrderPlaced, ctx: EventContext) {
    await this.db.query('INSERT INTO bench_effects (event_id, order_id) VALUES ($1, $2)', [ctx.eventId, event.orderId]);
    handled.tick();
  }
}

/** The three handlers measured: ours, the hand-rolled dedup, and no dedup at all. */
const SIDES = {
  inbox: { handler: InboxHandler, label: 'inbox' },
  own: { handler: HandRolledDedup, label: 'own-dedup' },
  plain: { handler: NoDedup, label: 'plain' },
} as const;

export const inbox: Scenario = async ({ quick, rounds, redisUrl }) => {
  const events = quick ? 1_000 : 4_000;
  const postgres = await startLocalPostgres();
  let databases = 0;

  const sample = (side: keyof typeof SIDES) => async (): Promise<number> => {
    const withInbox = side === 'inbox';
    const database = await createDatabase(postgres.url, `bench_inbox_${process.pid}_${databases++}`);
    await sql(database.url, ...TABLES);
    const prefix = freshPrefix(SIDES[side].label);
    @Module({
      imports: transactionalImports({
        orm: 'typeorm',
        databaseUrl: database.url,
        redisUrl,
        prefix,
        outbox: false,
        inbox: withInbox ? {} : false,
      }),
      providers: [Db, SIDES[side].handler],
    })
    class InboxBenchApp {}
    const app: INestApplicationContext = await NestFactory.createApplicationContext(InboxBenchApp, {
      logger: ['error', 'warn'],
    });
    await app.init();
    try {
      const bus = app.get(EventBus);
      const run = async (count: number, offset: number) => {
        const all = countdown(count);
        handled.tick = () => all.tick();
        await fromCallers(count, CALLERS, (i) => bus.publish(orderPlaced(offset + i)));
        await all.done;
      };
      await run(CALLERS, events); // warm: connections, Redis scripts, the pool
      return await rate(events, () => run(events, 0));
    } finally {
      handled.tick = () => undefined;
      await app.close();
      await deletePrefix(redisUrl, prefix);
      await database.drop();
    }
  };

  const contenders: Contender[] = [
    { label: 'inbox: true', sample: sample('inbox') },
    { label: 'own dedup insert in own transaction', sample: sample('own') },
    { label: 'no dedup', sample: sample('plain') },
  ];
  try {
    const [ours, own, plain] = await interleave(contenders, rounds);
    const note =
      `${events.toLocaleString('en-US')} events per sample from ${CALLERS} callers, one handler at concurrency ` +
      `${CONCURRENCY} writing one effect row, TypeORM on an embedded PostgreSQL`;
    return [
      {
        id: '8a',
        scenario: 'inbox: publish → handler committed its effect',
        ours: 'inbox: true',
        peer: 'the handler dedups itself (same SQL, same TransactionHost)',
        unit: 'events/s',
        samples: [ours!, own!],
        goal: { op: '>=', value: 0.8 },
        note,
      },
      {
        id: '8b',
        scenario: 'inbox: what exactly-once costs',
        ours: 'inbox: true',
        peer: 'the same effect insert with no dedup and no transaction (at least once)',
        unit: 'events/s',
        samples: [ours!, plain!],
        goal: { op: '>=', value: 0.5 },
        note: `${note}; the inbox adds BEGIN, one insert and COMMIT to each run`,
      },
    ];
  } finally {
    await postgres.stop();
  }
};
