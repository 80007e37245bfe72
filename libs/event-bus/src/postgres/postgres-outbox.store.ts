import { Logger } from '@nestjs/common';
import { OutgoingJob } from '../contracts/event-transport';
import { checkTableName, DEFAULT_OUTBOX_TABLE } from './outbox-schema';
import {
  ClaimedBatch,
  OutboxClaimOptions,
  OutboxInsertOptions,
  OutboxRow,
  OutboxStore,
} from '../contracts/outbox-store';
import { errorMessage } from '../errors/error-message';
import { guardPool, PgClientLike, PgOwnClientLike, PgPoolLike, PgResult, withPoolClient } from './postgres-connection';
import { EventBusConfigError } from '../errors/event-bus-config.error';
import { RelayConnection } from './relay-connection';

export type { PgClientLike, PgOwnClientLike, PgPoolLike, PgResult } from './postgres-connection';

/** First wait before a lost LISTEN connection is opened again; it doubles on each failure, up to the maximum. */
const RELISTEN_FIRST_DELAY_MS = 1_000;
const RELISTEN_MAX_DELAY_MS = 30_000;

/** Options of the PostgreSQL outbox stores. */
export interface PostgresOutboxOptions {
  /** The outbox table, optionally schema-qualified. Default `durable_bus_outbox`. */
  readonly table?: string;
}

/** Runs one parameterized statement ($1, $2, …) through the ORM's transaction object and returns its rows. */
export type TransactionQuery = (transaction: unknown, text: string, params: readonly string[]) => Promise<unknown>;

/**
 * The PostgreSQL outbox: inserts go through the app's transaction (via the ORM, {@link TransactionQuery}); the
 * relay side uses connections of its own, made with the ORM's node-postgres pool's client class and options (claims:
 * one kept between turns, see {@link RelayConnection}; LISTEN: another), and borrows from the pool for the rest.
 * ORM adapters only supply those two.
 *
 * - insert: one statement (the jobs as one JSON parameter, expanded in order) that also `pg_notify`s the table's
 *   channel, delivered to listeners when the transaction commits (skipped when a relay of the publishing process
 *   is woken in-process instead: see {@link OutboxInsertOptions});
 * - claim: `BEGIN`; `pg_advisory_xact_lock` on the table (relays take turns, so two relays never interleave rows
 *   out of order); one `UPDATE … SET relayed_at … WHERE id IN (the oldest pending rows ORDER BY id LIMIT n FOR
 *   UPDATE SKIP LOCKED) RETURNING …`; relay, in id order, and meanwhile (with `batches` > 1) the same `UPDATE` for
 *   the next batch, relayed once the current one is, and so on while claims find rows; `COMMIT` (or `ROLLBACK` when
 *   a relay failed, which makes every row of the transaction pending again; a connection lost meanwhile took the
 *   transaction with it, and claim rejects with its error);
 * - prune: deletes rows relayed before the retention.
 */
export class PostgresOutboxStore implements OutboxStore {
  readonly table: string;
  private readonly logger = new Logger('EventBus');
  private readonly relayConnection: RelayConnection;

  constructor(
    readonly name: string,
    private readonly pool: () => PgPoolLike,
    private readonly queryInTransaction: TransactionQuery,
    options: PostgresOutboxOptions = {},
  ) {
    this.table = checkTableName(options.table ?? DEFAULT_OUTBOX_TABLE);
    this.relayConnection = new RelayConnection(pool);
  }

  /** Closes the connection the relay's claims keep open (see {@link RelayConnection}); the relay calls it on stop. */
  close(): Promise<void> {
    return this.relayConnection.close();
  }

  /** The LISTEN/NOTIFY channel: the table name. */
  get channel(): string {
    return this.table;
  }

  async insert(transaction: unknown, jobs: readonly OutgoingJob[], options: OutboxInsertOptions = {}): Promise<void> {
    if (jobs.length === 0) return;
    const rows = jobs.map((job) => ({
      queue: job.queue,
      jobId: job.jobId,
      name: job.name,
      data: job.data,
      options: job.options,
      ordered: job.ordered,
    }));
    const insert = `INSERT INTO ${this.table} (queue, job_id, name, data, options, ordered)
         SELECT e.job->>'queue', e.job->>'jobId', e.job->>'name', e.job->'data', e.job->'options',
                (e.job->>'ordered')::boolean
         FROM json_array_elements($1::json) WITH ORDINALITY AS e(job, position)
         ORDER BY e.position`;
    const json = JSON.stringify(rows);
    await (options.notify === false
      ? this.queryInTransaction(transaction, insert, [json])
      : this.queryInTransaction(
          transaction,
          `WITH inserted AS (${insert} RETURNING id)
           SELECT pg_notify($2, '') FROM (SELECT count(*) FROM inserted) AS done`,
          [json, this.channel],
        ));
  }

  async claim(
    limit: number,
    relay: (rows: readonly OutboxRow[]) => Promise<void>,
    options: OutboxClaimOptions = {},
  ): Promise<ClaimedBatch> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new EventBusConfigError(
        `PostgresOutboxStore.claim: limit must be a positive integer (outbox.batchSize), received ${String(limit)}.`,
      );
    const most = options.batches ?? 1;
    if (!Number.isSafeInteger(most) || most < 1)
      throw new EventBusConfigError(
        `PostgresOutboxStore.claim: batches must be a positive integer, received ${String(most)}.`,
      );
    // The UPDATE locks the rows (another relay's SKIP LOCKED passes them by) and writes each once; a failed relay
    // rolls it back. RETURNING does not keep the subquery's order, hence the sort. Table and limit are checked, so
    // they are inlined.
    const take = `UPDATE ${this.table} SET relayed_at = clock_timestamp()
           WHERE id IN (
             SELECT id FROM ${this.table} WHERE relayed_at IS NULL ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
           )
           RETURNING id::text AS row_id, queue, job_id, name, data::text AS data, options, ordered, created_at, relayed_at`;
    return this.relayConnection.run(async (session) => {
      /** One claim: its rows in id order, the database clock when it ran and our clock when its reply came. */
      const claimNext = (text: string) =>
        session.query(text).then((results) => {
          const { rows } = lastResult(results);
          return { rows: rows.map(toOutboxRow).sort(byRowId), at: rows[0]?.relayed_at as Date, received: Date.now() };
        });
      // The first claim is one round trip (the simple query protocol runs the statements in order): open the
      // transaction, take the relays' turn (held until COMMIT, so relays never interleave rows out of order), claim.
      let next: ReturnType<typeof claimNext> | undefined = claimNext(
        `BEGIN; SELECT pg_advisory_xact_lock(hashtext('${this.table}')); ${take}`,
      );
      const done: ClaimedBatch[] = [];
      try {
        while (next) {
          const claimed = await next;
          if (claimed.rows.length === 0) break;
          // Claim the following batch while this one is relayed (the connection is idle meanwhile). Its rows are
          // relayed only once this batch's relay resolved: jobs reach the transport in row order.
          next = done.length + 1 < most ? claimNext(take) : undefined;
          // It may fail while the relay runs (the connection lost): awaited below, but handled from now on, or the
          // process would see an unhandled rejection.
          next?.catch(() => undefined);
          try {
            await relay(claimed.rows);
          } catch (error) {
            await next?.catch(() => undefined);
            throw error;
          }
          // The database clock at the claim, plus the time until the relay resolved on ours: when they were enqueued.
          done.push({
            rows: claimed.rows,
            relayedAt: new Date(claimed.at.getTime() + (Date.now() - claimed.received)),
          });
        }
        await session.query('COMMIT');
      } catch (error) {
        // A lost connection took its transaction with it (the server rolled it back: the rows are pending again);
        // its error says more than the "not queryable" of the statement that found out.
        if (session.lost) throw session.lost;
        await session.query('ROLLBACK').catch((rollbackError: unknown) => {
          session.discard(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
        });
        throw error;
      }
      const last = done[done.length - 1];
      return {
        rows: done.length === 1 ? last!.rows : done.flatMap((batch) => batch.rows),
        relayedAt: last?.relayedAt ?? new Date(),
        ...(done.length > 1 ? { batches: done } : {}),
      };
    });
  }

  async prune(retentionMs: number): Promise<number> {
    return this.count(
      `WITH deleted AS (
         DELETE FROM ${this.table} WHERE relayed_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
         RETURNING 1
       )
       SELECT count(*)::int AS count FROM deleted`,
      [retentionMs],
    );
  }

  async pending(): Promise<number> {
    return this.count(`SELECT count(*)::int AS count FROM ${this.table} WHERE relayed_at IS NULL`);
  }

  /** Ms since the oldest pending row was inserted (database clock), `undefined` when none is pending. */
  async oldestPendingAge(): Promise<number | undefined> {
    return withPoolClient(this.pool(), async ({ client }) => {
      const { rows } = lastResult(
        await client.query(
          `SELECT (EXTRACT(EPOCH FROM clock_timestamp() - created_at) * 1000)::float8 AS age
           FROM ${this.table} WHERE relayed_at IS NULL ORDER BY id LIMIT 1`,
        ),
      );
      return rows.length === 0 ? undefined : Math.max(0, Number(rows[0]!.age));
    });
  }

  /** Runs a statement whose one row has a `count`, on a client of the pool; resolves with the count. */
  private count(text: string, params?: unknown[]): Promise<number> {
    return withPoolClient(this.pool(), async ({ client }) => {
      const { rows } = lastResult(await client.query(text, params));
      return rows[0]!.count as number;
    });
  }

  /**
   * LISTENs on a connection of its own, made with the pool's client class and options, so that it does not hold one
   * of the app's pool slots for the life of the process (a pool without them lends one instead). If that connection
   * drops (an idle timeout, a failover), it is opened again, after 1 s and then up to every 30 s, and `onCommit` is
   * called once it listens again, so commits notified meanwhile are not left to the next poll.
   */
  async listen(onCommit: () => void): Promise<() => Promise<void>> {
    const pool = this.pool();
    guardPool(pool);
    const listener = (message: { channel: string }) => {
      if (message.channel === this.channel) onCommit();
    };
    const Client = pool.Client;
    if (!Client || pool.options === undefined) return this.listenOnPoolClient(await pool.connect(), listener);
    let current: PgOwnClientLike | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    let delay = RELISTEN_FIRST_DELAY_MS;
    const open = async (): Promise<void> => {
      const client = new Client(pool.options);
      client.on('notification', listener);
      client.on('error', (error) => lost(client, error.message));
      client.on('end', () => lost(client, 'connection closed'));
      try {
        await client.connect();
        await client.query(`LISTEN "${this.channel}"`);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      if (stopped) return void client.end().catch(() => undefined);
      current = client;
      delay = RELISTEN_FIRST_DELAY_MS;
    };
    const reopenLater = () => {
      retry = setTimeout(() => {
        open().then(onCommit, (error: unknown) => {
          this.logger.warn(`Outbox relay: cannot LISTEN again (${errorMessage(error)}); next try in ${delay} ms`);
          reopenLater();
        });
      }, delay);
      retry.unref();
      delay = Math.min(delay * 2, RELISTEN_MAX_DELAY_MS);
    };
    const lost = (client: PgOwnClientLike, reason: string) => {
      if (stopped || client !== current) return;
      current = undefined;
      void client.end().catch(() => undefined);
      this.logger.warn(`Outbox relay: the LISTEN connection was lost (${reason}); polling until it is back`);
      reopenLater();
    };
    await open();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    };
  }

  private async listenOnPoolClient(
    client: PgClientLike,
    listener: (message: { channel: string }) => void,
  ): Promise<() => Promise<void>> {
    // A checked-out client's errors are ours to handle (unhandled, they would crash the process). Once its
    // connection is lost, the client goes back to the pool to be destroyed (not held until stop), and the relay
    // polls from then on. A later error of the same client (pg emits one per symptom) is swallowed.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      client.removeListener('notification', listener);
      client.release(true);
    };
    const onError = (error: Error) => {
      if (released) return;
      this.logger.warn(`Outbox relay: the LISTEN connection was lost (${error.message}); polling only from now on`);
      release();
    };
    client.on('error', onError);
    client.on('notification', listener);
    try {
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      release();
      throw error;
    }
    return async () => {
      if (released) return;
      client.removeListener('notification', listener);
      // A connection that listened is not returned to the pool for reuse.
      await client.query(`UNLISTEN "${this.channel}"`).catch(() => undefined);
      release();
    };
  }
}

/** A multi-statement query resolves with one result per statement. */
function lastResult(results: PgResult | PgResult[]): PgResult {
  return Array.isArray(results) ? results[results.length - 1]! : results;
}

/** Row ids are bigints as decimal strings: shorter is smaller, then digit by digit. */
function byRowId(a: OutboxRow, b: OutboxRow): number {
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function toOutboxRow(row: Record<string, unknown>): OutboxRow {
  return {
    id: row.row_id as string,
    createdAt: row.created_at as Date,
    job: storedJob(row),
  };
}

/**
 * A claimed row's job. Its data comes as the stored JSON text (`data::text`): the BullMQ transport writes it as is
 * ({@link OutgoingJob.encodedData}), and `data` is decoded only if something reads it.
 */
function storedJob(row: Record<string, unknown>): OutgoingJob {
  const encodedData = row.data as string;
  let data: OutgoingJob['data'] | undefined;
  return {
    queue: row.queue as string,
    jobId: row.job_id as string,
    name: row.name as string,
    get data() {
      return (data ??= JSON.parse(encodedData) as OutgoingJob['data']);
    },
    encodedData,
    options: row.options as OutgoingJob['options'],
    ordered: row.ordered as boolean,
  };
}
