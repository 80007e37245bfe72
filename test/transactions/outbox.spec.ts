import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { BusEvent, OnEventAsync, OutboxDefaults } from 'nestjs-durable-bus';
import { EVENT_TRANSPORT, EventTransport, OutboxStore } from 'nestjs-durable-bus/transport';
import { OutboxRelay } from '../../libs/event-bus/src/outbox/outbox-relay';
import { outboxMigrationSql } from 'nestjs-durable-bus/postgres';
import { Client } from 'pg';
import { deferred, Recorder, within } from '../support/deferred';
import { freshDatabase, query } from '../support/postgres';
import { createTransactionalApp, Orm, ORMS, TransactionalApp } from './support/transactional-app';
import { aroundEachBatch } from '../support/outbox-store';
import { redisClient } from '../support/bus-app';

@BusEvent('outbox.account-changed', { partitionKey: 'accountId' })
class AccountChanged {
  constructor(
    readonly accountId: string,
    readonly seq: number,
  ) {}
}

const applied = new Recorder<{ accountId: string; seq: number }>();

@Injectable()
class Ledger {
  @OnEventAsync(AccountChanged, { id: 'outbox.ledger', lanes: 4, attempts: 1 })
  apply(event: AccountChanged) {
    applied.push({ accountId: event.accountId, seq: event.seq });
  }
}

/** Publishes one event per transaction, `count` per key, keys in parallel and each key's events in order. */
async function commitEvents(app: TransactionalApp, keys: number, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: keys }, async (_, key) => {
      for (let seq = 0; seq < count; seq++) {
        await app.db.transaction(() => app.bus.publish(new AccountChanged(`a${key}`, seq)));
      }
    }),
  );
}

function seqsOf(accountId: string): number[] {
  return applied.values.filter((value) => value.accountId === accountId).map((value) => value.seq);
}

let url: string;

/**
 * Two apps on one database and prefix, as two processes: one runs a relay that only a commit notification (or an
 * in-process commit) wakes, the other publishes through the outbox without a relay.
 */
async function relayAndPublisher(relayOrm: Orm, publisherOrm: Orm) {
  const relaying = await createTransactionalApp({
    orm: relayOrm,
    databaseUrl: url,
    outbox: { pollInterval: 600_000 },
    providers: [Ledger],
  });
  const publisher = await createTransactionalApp({
    orm: publisherOrm,
    databaseUrl: url,
    prefix: relaying.prefix,
    role: 'publisher',
    outbox: { relay: false },
    providers: [Ledger],
  });
  return { relaying, publisher };
}

beforeEach(async () => {
  applied.values.length = 0;
  url = await freshDatabase();
});

test('inside the transaction the envelope is an outbox row; after commit the relay enqueues it and marks it', async () => {
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: { pollInterval: 60_000 },
    providers: [Ledger],
  });
  const receipt = await app.db.transaction(async () => {
    const published = await app.bus.publish(new AccountChanged('a1', 1));
    const inside = await app.db.query(
      'SELECT queue, job_id, name, data, options, ordered, relayed_at FROM durable_bus_outbox',
    );
    expect(inside).toEqual([
      {
        queue: expect.stringMatching(/outbox\.ledger/),
        job_id: published.jobs[0]!.jobId,
        name: 'outbox.account-changed',
        data: expect.objectContaining({
          id: published.eventId,
          partitionKey: 'a1',
          payload: { accountId: 'a1', seq: 1 },
        }),
        options: expect.objectContaining({ attempts: 1 }),
        ordered: true,
        relayed_at: null,
      },
    ]);
    // Not visible outside the transaction before it commits.
    expect(await query(url, 'SELECT id FROM durable_bus_outbox')).toEqual([]);
    return published;
  });
  await applied.count(1);
  // The job can be handled before the relay's transaction marks its row: wait for that transaction.
  expect(await app.outbox.relay!.drain()).toBe(0);
  const rows = await query<{ job_id: string; relayed_at: Date | null }>(
    url,
    'SELECT job_id, relayed_at FROM durable_bus_outbox',
  );
  expect(rows).toEqual([{ job_id: receipt.jobs[0]!.jobId, relayed_at: expect.any(Date) }]);
  const stats = app.outbox.relay!.stats();
  expect(stats).toMatchObject({ relayed: 1, batches: 1 });
  expect(stats.lastLatencyMs).toBeGreaterThanOrEqual(0);
});

test("the relay writes each row's stored JSON as its job's data as is: the bytes a direct publish writes", async () => {
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: { pollInterval: 60_000 },
    providers: [Ledger],
  });
  const event = new AccountChanged('ä "quoted" \\ line\nbreak 💸', 7);
  const receipt = await app.db.transaction(() => app.bus.publish(event));
  await applied.count(1);
  const [row] = await query<{ queue: string; data: string }>(
    url,
    'SELECT queue, data::text AS data FROM durable_bus_outbox',
  );
  const redis = redisClient();
  const written = await redis.hget(`${app.prefix}:${row!.queue}:${receipt.jobs[0]!.jobId}`, 'data');

  expect(written).toBe(row!.data);
  expect(written).toBe(JSON.stringify(JSON.parse(written!))); // compact, as JSON.stringify of the envelope
  expect(JSON.parse(written!)).toMatchObject({ id: receipt.eventId, payload: { accountId: event.accountId, seq: 7 } });
  expect(applied.values).toEqual([{ accountId: event.accountId, seq: 7 }]);
});

test('a relay in another process is woken by the commit notification (LISTEN/NOTIFY), not by polling', async () => {
  const { relaying, publisher } = await relayAndPublisher('drizzle', 'typeorm');
  expect(publisher.outbox.relay).toBeUndefined();
  await publisher.db.transaction(() => publisher.bus.publish(new AccountChanged('a1', 1)));
  await applied.count(1, 5_000);
  expect(await relaying.outbox.relay!.drain()).toBe(0);
  expect(relaying.outbox.relay!.stats().relayed).toBe(1);
});

test('a commit in a process that runs a relay wakes it in-process and notifies no one; one without a relay notifies', async () => {
  const listener = new Client({ connectionString: url });
  await listener.connect();
  const payloads: string[] = [];
  const marker = deferred();
  listener.on('notification', ({ payload }) => {
    payloads.push(payload ?? '');
    if (payload === 'marker') marker.resolve();
  });
  await listener.query('LISTEN durable_bus_outbox');
  try {
    const { relaying, publisher } = await relayAndPublisher('typeorm', 'drizzle');
    await relaying.db.transaction(() => relaying.bus.publish(new AccountChanged('a1', 1)));
    await applied.count(1);
    await publisher.db.transaction(() => publisher.bus.publish(new AccountChanged('a1', 2)));
    await applied.count(2);
    // Notifications arrive in commit order: once the marker is in, every commit's notification is too.
    await query(url, "SELECT pg_notify('durable_bus_outbox', 'marker')");
    await within(marker.promise, 5_000, 'the marker notification');
    expect(payloads).toEqual(['', 'marker']);
    expect(relaying.outbox.relay!.stats().relayed).toBe(2);
  } finally {
    await listener.end();
  }
});

test.each(ORMS)(
  "the relay's LISTEN connection is its own, not one of the app's pool (%s, pool of one)",
  async (orm) => {
    const app = await createTransactionalApp({
      orm,
      databaseUrl: url,
      poolSize: 1,
      outbox: { pollInterval: 600_000 },
      providers: [Ledger],
    });
    // Were the LISTEN connection taken from the pool, this transaction would wait for a connection forever.
    await within(
      app.db.transaction(() => app.bus.publish(new AccountChanged('a1', 1))),
      5_000,
      'a transaction on the only pooled connection',
    );
    await applied.count(1);
    expect(await app.outbox.relay!.drain()).toBe(0);
    expect(app.outbox.relay!.stats().relayed).toBe(1);
  },
);

test('a relay whose LISTEN connection is killed listens again, and is woken by the next commit', async () => {
  const { publisher } = await relayAndPublisher('typeorm', 'drizzle');
  const listening = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'";
  const [killed] = await query<{ pid: number }>(url, listening);
  expect(killed).toBeDefined();
  await query(url, 'SELECT pg_terminate_backend($1)', [killed!.pid]);

  await publisher.db.transaction(() => publisher.bus.publish(new AccountChanged('a1', 1)));
  await applied.count(1, 10_000);
  const again = await query<{ pid: number }>(url, listening);
  expect(again).toHaveLength(1);
  expect(again[0]!.pid).not.toBe(killed!.pid);
});

test('a relay stopped while it is still starting stops listening and does not relay', async () => {
  let listening = 0;
  const counting = (store: OutboxStore): OutboxStore =>
    Object.assign(Object.create(store) as OutboxStore, {
      listen: async (onCommit: () => void) => {
        const stopListening = await store.listen(onCommit);
        listening++;
        return async () => {
          listening--;
          await stopListening();
        };
      },
    });
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: { relay: false },
    wrapStore: counting,
    providers: [Ledger],
  });
  const relay = new OutboxRelay(app.outbox.store!, app.app.get<EventTransport>(EVENT_TRANSPORT), {
    ...OutboxDefaults,
    store: app.outbox.store!,
    pollInterval: 10,
  });

  const started = relay.start();
  await relay.stop();
  await started;

  expect(relay.running).toBe(false);
  expect(listening).toBe(0);
  await app.db.transaction(() => app.bus.publish(new AccountChanged('a1', 1)));
  expect(await relay.drain()).toBe(1); // still pending: nothing relayed it meanwhile
});

test('a relay crashing after the enqueue and before marking the rows does not enqueue them twice', async () => {
  let crashes = 0;
  const crashOnce = (store: OutboxStore): OutboxStore =>
    aroundEachBatch(store, async (rows, write) => {
      await write(rows);
      if (crashes++ === 0) throw new Error('relay crashed before marking the rows');
    });
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: { pollInterval: 50 },
    wrapStore: crashOnce,
    providers: [Ledger],
  });
  await app.db.transaction(async () => {
    for (let seq = 0; seq < 5; seq++) await app.bus.publish(new AccountChanged('a1', seq));
  });
  await applied.count(5);
  await app.outbox.relay!.drain();
  await app.drain();
  expect(crashes).toBeGreaterThanOrEqual(2);
  expect(seqsOf('a1')).toEqual([0, 1, 2, 3, 4]);
  expect(await app.outbox.store!.pending()).toBe(0);
});

test('two relays running at once deliver each event once, in order per partition key', async () => {
  const publisher = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    role: 'publisher',
    outbox: { relay: false },
    providers: [Ledger],
  });
  const keys = 12;
  const perKey = 50;
  await commitEvents(publisher, keys, perKey);
  expect(await publisher.outbox.store!.pending()).toBe(keys * perKey);
  const relays = await Promise.all(
    (['typeorm', 'drizzle'] as const).map((orm) =>
      createTransactionalApp({
        orm,
        databaseUrl: url,
        prefix: publisher.prefix,
        outbox: { batchSize: 25, pollInterval: 50 },
        providers: [Ledger],
      }),
    ),
  );
  await applied.count(keys * perKey, 30_000);
  await Promise.all(relays.map((relay) => relay.drain()));
  expect(applied.values).toHaveLength(keys * perKey);
  const inOrder = Array.from({ length: perKey }, (_, seq) => seq);
  for (let key = 0; key < keys; key++) expect(seqsOf(`a${key}`)).toEqual(inOrder);
  const counts = relays.map((relay) => relay.outbox.relay!.stats().relayed);
  expect(counts[0]! + counts[1]!).toBe(keys * perKey);
  expect(await publisher.outbox.store!.pending()).toBe(0);
});

test('relayed rows are pruned after the retention', async () => {
  const app = await createTransactionalApp({
    orm: 'typeorm',
    databaseUrl: url,
    outbox: { retention: 0, pollInterval: 60_000 },
    providers: [Ledger],
  });
  await app.db.transaction(async () => {
    await app.bus.publish(new AccountChanged('a1', 1));
    await app.bus.publish(new AccountChanged('a2', 1));
  });
  await applied.count(2);
  await app.outbox.relay!.drain();
  expect(await app.outbox.relay!.prune()).toBe(2);
  expect(await query(url, 'SELECT id FROM durable_bus_outbox')).toEqual([]);
});

test('the migration shipped in the package is the one outboxMigrationSql() returns', () => {
  const shipped = readFileSync(join(__dirname, '../../libs/event-bus/migrations/001_outbox.sql'), 'utf8');
  expect(shipped).toBe(outboxMigrationSql());
});
