import { Client } from 'pg';
import { outboxMigrationSql } from 'nestjs-durable-bus/postgres';
import { PostgresServer, startPostgresServer } from '../../tools/local-postgres';
import { MemoryLogger, freshPrefix } from '../support/bus-app';
import { Child, runTs } from '../support/child-process';
import { deferred } from '../support/deferred';
import { TransactionalApp, createTransactionalApp } from '../transactions/support/transactional-app';
import { FaultEntry, FaultHandlers, PLAIN } from './support/fault.handlers';
import { recordRedis } from './support/fault-stream';
import { Ledger, faultLine } from './support/ledger';

/**
 * PostgreSQL stopped (a fast shutdown: every connection cut) and started again on its port under a relay process,
 * while this process commits orders with their events through the outbox: the relay process survives, and every
 * committed order's event is delivered (to a plain and a partitioned handler, in key order). Transactions that
 * failed during the outage are not counted; one whose commit reply was lost counts if its row is there.
 */
const ORDERS = 400;
const STREAMS = 4;
const POLL_INTERVAL = 500;

jest.setTimeout(180_000);

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('PostgreSQL restarted under the outbox relay', () => {
  const record = recordRedis();
  let pg: PostgresServer | undefined;
  let relay: Child | undefined;
  let publisher: TransactionalApp | undefined;
  let ledger: Ledger | undefined;

  afterEach(async () => {
    await relay?.stop('SIGKILL');
    await publisher?.close();
    await ledger?.close();
    await pg?.stop();
    relay = publisher = ledger = pg = undefined;
  });

  it('the relay process survives and every committed event is delivered, in key order', async () => {
    pg = await startPostgresServer();
    await sql(pg.url, outboxMigrationSql());
    await sql(pg.url, 'CREATE TABLE orders (id text PRIMARY KEY, key text NOT NULL, seq int NOT NULL)');
    const prefix = freshPrefix();
    ledger = await Ledger.open(record.url, prefix);
    relay = runTs('test/faults/support/relay-worker.ts', [], {
      DATABASE_URL: pg.url,
      REDIS_URL: record.url,
      RECORD_URL: record.url,
      BUS_PREFIX: prefix,
      RELAY_POLL_INTERVAL: String(POLL_INTERVAL),
    });
    await relay.printed('relay ready', 60_000);
    process.env.REDIS_URL = record.url;
    process.env.BUS_PREFIX = prefix;
    publisher = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: pg.url,
      prefix,
      role: 'publisher',
      outbox: { relay: false },
      providers: [FaultHandlers],
      logger: new MemoryLogger(),
    });
    const { db, bus } = publisher;
    const books = ledger;

    // Streams of transactions; a stream whose transaction fails (PostgreSQL is down) waits for it to be back.
    const pgBack = deferred();
    let committed = 0;
    let failed = 0;
    const publishing = Promise.all(
      Array.from({ length: STREAMS }, async (_, stream) => {
        let seq = 0;
        for (let i = stream; i < ORDERS; i += STREAMS) {
          const event = new FaultEntry(`o${i}`, `s${stream}`, seq++);
          try {
            await db.transaction(async () => {
              await db.query('INSERT INTO orders (id, key, seq) VALUES ($1, $2, $3)', [event.id, event.key, event.seq]);
              await bus.publish(event);
            });
            committed++;
          } catch {
            failed++;
            await pgBack.promise;
          }
          await books.keepUp(PLAIN, 40, 120_000);
        }
      }),
    );

    await ledger.runs(ORDERS / 2, 60_000);
    await pg.halt();
    await pg.resume();
    const back = performance.now();
    pgBack.resolve();
    await publishing;

    // What was committed is what the orders table holds (a commit whose reply was lost counts too).
    const rows = await sql(pg.url, 'SELECT id, key, seq FROM orders');
    for (const row of rows) ledger.add(new FaultEntry(String(row.id), String(row.key), Number(row.seq)));
    await ledger.settle(120_000);
    const recoveredMs = performance.now() - back;
    const tally = await ledger.total();
    const [pending] = await sql(pg.url, 'SELECT count(*)::int AS n FROM durable_bus_outbox WHERE relayed_at IS NULL');
    faultLine(
      'postgres-restart',
      tally,
      recoveredMs,
      `handlers=plain+partitioned orders=${ORDERS} committed=${rows.length} committed_seen=${committed} ` +
        `failed_transactions=${failed} outbox_pending=${String(pending?.n)} relay_alive=${relay.process.exitCode === null} ` +
        `pollInterval=${POLL_INTERVAL}`,
    );
    expect(relay.process.exitCode).toBeNull();
    expect(relay.process.signalCode).toBeNull();
    expect({ lost: tally.lost, violations: tally.violations }).toEqual({ lost: 0, violations: 0 });
  });
});
