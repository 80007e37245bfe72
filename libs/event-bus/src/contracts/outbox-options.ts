import { OutboxStore } from './outbox-store';

/** The `outbox` module option: store async jobs published inside a transaction in that transaction. */
export interface OutboxOptions {
  /** Where the outbox table is: `new TypeOrmOutboxStore(dataSource)`, `new DrizzleOutboxStore(db)`, or your own. */
  readonly store: OutboxStore;
  /**
   * Run a relay in this process (moves committed rows to the transport). Default true. Any number of processes may
   * run one; they take turns. Turn it off in processes that only publish, if others relay.
   */
  readonly relay?: boolean;
  /** Rows per batch (one transport write); a relay turn moves up to 8 batches in one transaction. Default 500. */
  readonly batchSize?: number;
  /** Ms between polls when no commit notification arrives (the fallback). Default 1000. */
  readonly pollInterval?: number;
  /** Ms relayed rows are kept before pruning. Default 86400000 (one day). */
  readonly retention?: number;
  /** Ms between prunes. Default 60000. */
  readonly pruneInterval?: number;
}

/** {@link OutboxOptions} with defaults applied. */
export type ResolvedOutboxOptions = Required<OutboxOptions>;

/** The documented defaults of {@link OutboxOptions}. */
export const OutboxDefaults = {
  relay: true,
  batchSize: 500,
  pollInterval: 1000,
  retention: 86_400_000,
  pruneInterval: 60_000,
} as const;
