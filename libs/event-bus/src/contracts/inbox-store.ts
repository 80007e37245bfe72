/**
 * Where the inbox lives: one row per (handler id, event id) a handler's transaction committed. The core needs only
 * this; the library ships one for PostgreSQL per ORM (`TypeOrmInboxStore` in `nestjs-durable-bus/typeorm`,
 * `DrizzleInboxStore` in `nestjs-durable-bus/drizzle`), and another database is one more implementation.
 */
export interface InboxStore {
  /** Names the store in logs. */
  readonly name: string;
  /**
   * Inserts `(handlerId, eventId)` through `transaction` (the ORM's transaction object, as the transactional
   * adapter opened it). Resolves true when the row is new, false when it exists (the event was handled: a
   * duplicate delivery). While another open transaction holds the same row, waits for it to finish: its commit
   * makes this a duplicate, its rollback lets this insert go through.
   */
  claim(transaction: unknown, handlerId: string, eventId: string): Promise<boolean>;
  /** Deletes rows recorded more than `retentionMs` ago; resolves with how many. */
  prune(retentionMs: number): Promise<number>;
}
