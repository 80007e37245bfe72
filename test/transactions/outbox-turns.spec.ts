import { Injectable } from '@nestjs/common';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';
import { OutboxRow, OutboxStore } from 'nestjs-durable-bus/transport';
import { PgPoolLike, PostgresOutboxStore } from 'nestjs-durable-bus/postgres';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { EntityManager } from 'typeorm';
import { MemoryLogger, redisUrl } from '../support/bus-app';
import { Recorder } from '../support/deferred';
import { freshDatabase } from '../support/postgres';
import { createTransactionalApp, TransactionalApp } from './support/transactional-app';
import { aroundEachBatch } from '../support/outbox-store';

/*
 * The relay's turns: one transaction claims the next batch while the current one is written to Redis. A write that
 * fails must stop the turn before the next batch is written, and roll every batch of the turn back.
 */

@BusEvent('turns.account-changed', { partitionKey: 'accountId' })
class AccountChanged {
  constructor(
    readonly accountId: string,
    readonly seq: number,
  ) {}
}

const applied = new Recorder<{ accountId: string; seq: number }>();

@Injectable()
class Ledger {
  @OnEventAsync(AccountChanged, { id: 'turns.ledger', lanes: 2, attempts: 1 })
  apply(event: AccountChanged) {
    applied.push({ accountId: event.accountId, seq: event.seq });
  }
}

const BATCH = 5;
const KEYS = ['a', 'b'];
const PER_KEY = 10; // 20 rows: 4 batches

/** A pool of the test database whose clients report the rows of every claim (the relay's `UPDATE`) once answered. */
function observedPool(url: string, claims: Recorder<number>): { pool: Pool; observed: PgPoolLike } {
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // idle clients when the test database is dropped (not under test here)
  const patched = new WeakSet<object>();
  const observed: PgPoolLike = {
    connect: async () => {
      const client = await pool.connect();
      if (!patched.has(client)) {
        patched.add(client);
        const query = client.query.bind(client) as (text: string, params?: unknown[]) => Promise<unknown>;
        (client as { query: unknown }).query = async (text: string, params?: unknown[]) => {
          const results = await query(text, params);
          if (text.includes('FOR UPDATE SKIP LOCKED')) {
            const last = Array.isArray(results) ? results[results.length - 1] : results;
            claims.push((last as { rows: unknown[] }).rows.length);
          }
          return results;
        };
      }
      return client;
    },
  };
  return { pool, observed };
}

/** `a3`: the row's partition key and seq. */
function label(row: OutboxRow): string {
  const data = row.job.data as unknown as { partitionKey: string; payload: { seq: number } };
  return `${data.partitionKey}${data.payload.seq}`;
}

test("a failed Redis write of batch k while batch k+1 is claimed: k+1 is not written, the turn's rows stay pending, each event is handled once and in order", async () => {
  const url = await freshDatabase();
  const admin = new Redis(redisUrl());
  const user = `relay-${process.pid}-${Date.now()}`;
  const allowed = ['on', '>relay-pass', 'resetkeys', '~*', 'resetchannels', '&*', '+@all'];
  await admin.call('ACL', 'SETUSER', user, ...allowed);
  const relayRedis = new URL(redisUrl());
  relayRedis.username = user;
  relayRedis.password = 'relay-pass';
  const claims = new Recorder<number>();
  const { pool, observed } = observedPool(url, claims);
  let relaying: TransactionalApp | undefined;
  try {
    // Publishes and consumes (its workers on the default user); relays nothing.
    const app = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: url,
      outbox: { relay: false },
      providers: [Ledger],
    });
    for (let seq = 0; seq < PER_KEY; seq++) {
      for (const key of KEYS) await app.db.transaction(() => app.bus.publish(new AccountChanged(key, seq)));
    }
    expect(await app.outbox.store!.pending()).toBe(KEYS.length * PER_KEY);

    // The relay's writes: the seqs of each batch it was handed, in order; the second batch's write fails for real
    // (Redis refuses the scripts of the relay's user: NOPERM, the MULTI is discarded), once the third is claimed.
    const writes: string[] = [];
    let failed = false;
    const failSecondWrite = (): OutboxStore => {
      const store = new PostgresOutboxStore(
        'observed',
        () => observed,
        (transaction, text, params) => (transaction as EntityManager).query(text, [...params]),
      );
      return aroundEachBatch(store, async (rows, write) => {
        writes.push(rows.map(label).join(' '));
        if (failed || writes.length !== 2) return write(rows);
        failed = true;
        await claims.count(3, 10_000); // batch k+1 (the third) is claimed, its transaction still open
        await admin.call('ACL', 'SETUSER', user, '-evalsha', '-eval');
        try {
          await write(rows);
        } finally {
          await admin.call('ACL', 'SETUSER', user, ...allowed);
        }
      });
    };
    const logger = new MemoryLogger();
    relaying = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: url,
      redisUrl: relayRedis.toString(),
      prefix: app.prefix,
      role: 'publisher',
      outbox: { batchSize: BATCH, pollInterval: 100 },
      wrapStore: failSecondWrite,
      providers: [Ledger],
      logger,
    });

    await applied.count(KEYS.length * PER_KEY, 20_000);
    await relaying.outbox.relay!.drain();
    await app.drain();

    const batch = (from: number) =>
      Array.from({ length: BATCH }, (_, i) => from + i)
        .map((n) => `${KEYS[n % 2]}${Math.floor(n / 2)}`)
        .join(' ');
    // The failed turn: batch 1 written, batch 2 refused, batch 3 claimed but never written. The next turn starts
    // again at batch 1 (its jobs exist: skipped by id) and writes the rest in order.
    expect(writes.slice(0, 6)).toEqual([batch(0), batch(5), batch(0), batch(5), batch(10), batch(15)]);
    const failures = logger.lines.filter((line) => line.message.startsWith('Outbox relay: a batch failed'));
    expect(failures.map((line) => line.message)).toEqual([expect.stringMatching(/NOPERM|EXECABORT/)]);
    for (const key of KEYS) {
      const seqs = applied.values.filter((value) => value.accountId === key).map((value) => value.seq);
      expect(seqs).toEqual(Array.from({ length: PER_KEY }, (_, seq) => seq)); // each once, in order
    }
    expect(await app.outbox.store!.pending()).toBe(0);
  } finally {
    await relaying?.close(); // before the pool ends: it waits for the clients the relay holds
    await admin.call('ACL', 'DELUSER', user);
    await admin.quit();
    await pool.end();
  }
}, 60_000);
