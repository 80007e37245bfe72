import { InboxStore } from './inbox-store';

/**
 * The part of `@nestjs-cls/transactional`'s `TransactionHost` the inbox uses, declared structurally so the core does
 * not import nestjs-cls: it opens the handler's transaction, in which `TransactionHost.tx` is that transaction.
 */
export interface TransactionHostLike {
  withTransaction<R>(fn: () => Promise<R>): Promise<R>;
}

/**
 * The `inbox` module option: async handlers declared with `{ inbox: true }` run in a database transaction that
 * first records `(handler id, event id)`; a delivery whose row exists is skipped. Needs the transactional adapter
 * wrapped in `withEventBus`.
 */
export interface InboxOptions {
  /** Where the inbox table is: `new TypeOrmInboxStore(dataSource)`, `new DrizzleInboxStore(db)`, or your own. */
  readonly store: InboxStore;
  /**
   * The app's `TransactionHost` (inject it: `inject: [DataSource, TransactionHost]`), whose adapter is wrapped in
   * `withEventBus`. The handler's transaction is opened through it, so its repositories join that transaction.
   */
  readonly transactionHost: TransactionHostLike;
  /**
   * Ms a row is kept: the dedup window. A delivery of the same event to the same handler later than this after the
   * first one committed runs the handler again. Default 259200000 (three days).
   */
  readonly retention?: number;
  /** Ms between prunes of rows past the retention. Default 60000. */
  readonly pruneInterval?: number;
  /** Prune in this process (consuming roles only). Default true; any number of processes may prune. */
  readonly prune?: boolean;
}

/** {@link InboxOptions} with defaults applied. */
export type ResolvedInboxOptions = Required<InboxOptions>;

/** The documented defaults of {@link InboxOptions}. */
export const InboxDefaults = {
  retention: 259_200_000,
  pruneInterval: 60_000,
  prune: true,
} as const;
