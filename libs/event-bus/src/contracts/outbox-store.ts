import { OutgoingJob } from './event-transport';

/** A job stored in the outbox, as the relay reads it back. */
export interface OutboxRow {
  /** The row's id: increasing in insert order (a sequence), as a string (bigint). */
  readonly id: string;
  readonly job: OutgoingJob;
  /** When the row was inserted (database clock). */
  readonly createdAt: Date;
}

/** What one {@link OutboxStore.claim} relayed. */
export interface ClaimedBatch {
  /** Every row relayed, in order (all batches of the claim). */
  readonly rows: readonly OutboxRow[];
  /**
   * When the rows' jobs were enqueued, on the database clock like `createdAt` (the PostgreSQL stores: the database
   * time of the claim plus how long it took until `relay` resolved), for the relay's latency figures. With several
   * batches, the last one's.
   */
  readonly relayedAt: Date;
  /** When the claim relayed several batches ({@link OutboxClaimOptions.batches}): each, in order. */
  readonly batches?: readonly ClaimedBatch[];
}

/** How {@link OutboxStore.claim} is called. */
export interface OutboxClaimOptions {
  /**
   * Batches the claim may relay in its one transaction (its turn), default 1. With more than one, the store claims
   * the next batch while `relay` writes the current one, and goes on while a claim finds rows, up to this many; the
   * transaction commits after the last. A store may ignore it and relay one batch.
   */
  readonly batches?: number;
}

/** How {@link OutboxStore.insert} is called. */
export interface OutboxInsertOptions {
  /**
   * Whether the commit must notify the relays of other processes. False when a relay runs in the publishing process:
   * the bus wakes it in-process after the commit, and it relays the rows itself, so the notification (which in
   * PostgreSQL serializes committing transactions on a global lock) is skipped. Default true.
   */
  readonly notify?: boolean;
}

/**
 * Where the outbox lives. The core needs only this; the library ships one for PostgreSQL per ORM
 * (`nestjs-durable-bus/typeorm`, `nestjs-durable-bus/drizzle`), and another database is one more implementation.
 */
export interface OutboxStore {
  /** Names the store in logs. */
  readonly name: string;
  /**
   * Inserts the jobs, in order, through `transaction` (the ORM's transaction object, as the transactional adapter
   * opened it), and makes the commit wake the relays (PostgreSQL: a `pg_notify` in the same transaction) unless
   * `options.notify` is false.
   */
  insert(transaction: unknown, jobs: readonly OutgoingJob[], options?: OutboxInsertOptions): Promise<void>;
  /**
   * In a transaction of its own: takes up to `limit` pending rows, oldest first, locked so that no other relay takes
   * them (and so that relays take turns, keeping the order), marks them relayed, calls `relay` with them in order,
   * and commits if it resolves. If `relay` rejects, rolls back: the rows stay pending. Resolves with what it relayed
   * (no rows when none were pending). With `options.batches` above 1 it may do that for several batches in the same
   * transaction, `relay` called once per batch, one after the other and never again after one rejected (then every
   * batch of the transaction is rolled back, those already relayed included: their jobs are written again later, and
   * their deterministic ids make the transport skip them).
   */
  claim(
    limit: number,
    relay: (rows: readonly OutboxRow[]) => Promise<void>,
    options?: OutboxClaimOptions,
  ): Promise<ClaimedBatch>;
  /** Optional: releases what the store keeps open for claims (a connection); the relay calls it when it stops. */
  close?(): Promise<void>;
  /** Deletes rows relayed more than `retentionMs` ago; resolves with how many. */
  prune(retentionMs: number): Promise<number>;
  /** Rows not relayed yet. */
  pending(): Promise<number>;
  /**
   * Ms since the oldest row not relayed yet was inserted, `undefined` when none is pending: for metrics and the
   * health indicator (a relay that is stuck shows as a growing age). Optional: stores without it report no age.
   */
  oldestPendingAge?(): Promise<number | undefined>;
  /**
   * Calls `onCommit` whenever a transaction that inserted rows commits (PostgreSQL: LISTEN). Resolves with the
   * function that stops listening. Best effort: the relay also polls.
   */
  listen(onCommit: () => void): Promise<() => Promise<void>>;
}
