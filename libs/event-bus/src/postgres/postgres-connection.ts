import { Logger } from '@nestjs/common';

/*
 * The part of node-postgres the PostgreSQL outbox stores use (declared structurally: the core does not import
 * `pg`), and how they borrow its connections without letting a dropped one crash the process.
 */

/** What node-postgres resolves a statement with (the part the stores read). */
export interface PgResult {
  readonly rows: Record<string, unknown>[];
}

/** A client checked out of a node-postgres `Pool`. */
export interface PgClientLike {
  /** Resolves with one result per statement when `text` holds several (simple query protocol, no params). */
  query(text: string, params?: unknown[]): Promise<PgResult | PgResult[]>;
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  release(destroy?: boolean | Error): void;
}

/** A node-postgres `Client` of its own (not from the pool), as `new pool.Client(pool.options)` makes it. */
export interface PgOwnClientLike {
  connect(): Promise<unknown>;
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  end(): Promise<void>;
}

/** A node-postgres `Pool` (what TypeORM's Postgres driver and Drizzle's node-postgres driver hold). */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  /** pg-pool's client class and connection options: the relay's LISTEN connection is made with them. */
  readonly Client?: new (options: unknown) => PgOwnClientLike;
  readonly options?: unknown;
  /** pg-pool is an EventEmitter: it emits `'error'` when an idle client's connection dies. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  listenerCount?(event: 'error'): number;
}

/** A checked-out client, and whether its connection was lost while it was out. */
export interface BorrowedClient {
  readonly client: PgClientLike;
  /** The error the client emitted when its connection dropped (then it is not queryable any more). */
  readonly lost: Error | undefined;
  /** Makes the pool destroy the client rather than reuse it (e.g. a ROLLBACK failed). */
  discard(reason: Error): void;
}

const logger = new Logger('EventBus');
const guarded = new WeakSet<PgPoolLike>();

/**
 * Checks a client out of `pool` for `use`, then releases it (destroyed if its connection was lost or discarded).
 * While it is out, an `'error'` listener takes the error node-postgres emits when the connection drops (the backend
 * was terminated: a restart, a failover, `pg_terminate_backend`): unhandled, that event would crash the process.
 * The statement in progress, or the next one, rejects instead; `lost` says why.
 */
export async function withPoolClient<T>(pool: PgPoolLike, use: (borrowed: BorrowedClient) => Promise<T>): Promise<T> {
  guardPool(pool);
  const client = await pool.connect();
  let lost: Error | undefined;
  let discarded: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  try {
    return await use({
      client,
      get lost() {
        return lost;
      },
      discard: (reason) => {
        discarded ??= reason;
      },
    });
  } finally {
    client.removeListener('error', onError);
    client.release(lost ?? discarded);
  }
}

/**
 * pg-pool emits `'error'` on the pool when one of its idle clients' connection dies, and an EventEmitter with no
 * `'error'` listener throws it: the process exits. The relay keeps clients idle in the pool between polls, so a
 * database restart would find one. When the pool has no `'error'` listener of its own (TypeORM adds one; a pool
 * made for Drizzle has none unless the app adds it), one is added that logs a warning: the pool has already dropped
 * the client and opens a new one when asked. Nothing else about the pool changes, and a pool that has a listener is
 * left as it is.
 */
export function guardPool(pool: PgPoolLike): void {
  if (guarded.has(pool)) return;
  guarded.add(pool);
  if (!pool.on || !pool.listenerCount || pool.listenerCount('error') > 0) return;
  pool.on('error', (error) =>
    logger.warn(
      `PostgreSQL pool: an idle connection was lost (${error.message}); the pool opens a new one when needed`,
    ),
  );
}
