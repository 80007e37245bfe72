import type { BackoffOptions, ExhaustedPolicy } from '../contracts/delivery';
import { PartitionKeyValue } from '../events/event-class';

/** Options of {@link OnEvent} (sync handlers). */
export interface OnEventOptions {
  /** Handler id, used in error messages and the manifest. Default `ClassName.methodName`. */
  readonly id?: string;
  /** Sync handlers of one event run by ascending `order` (default 0), then in discovery order. */
  readonly order?: number;
}

/** Options of {@link OnEventBroadcast} (every node, at most once). */
export interface OnEventBroadcastOptions {
  /** Handler id, used in logs and the manifest. Default `ClassName.methodName`. */
  readonly id?: string;
}

/** Options of {@link OnEventAsync} (durable, BullMQ-backed handlers). */
export interface OnEventAsyncOptions<E extends object = object> {
  /**
   * Stable handler id: names the handler's queue and ends every job id. Default `ClassName.methodName`. Set it
   * explicitly before renaming a class or method, so jobs in flight still find their handler.
   */
  readonly id?: string;
  /**
   * Pure predicate run synchronously inside `publish`: `false` means no job at all (no Redis write). It may run
   * inside the publisher's transaction: no I/O, no side effects.
   */
  readonly filter?: (event: E) => boolean;
  /** Total tries, first included. Default from the module's `defaultJobOptions` (5). */
  readonly attempts?: number;
  /** Retry delay: milliseconds (fixed) or a policy. Default from `defaultJobOptions` (exponential from 1 s). */
  readonly backoff?: number | BackoffOptions;
  /** BullMQ priority: 1 is the highest, larger numbers run later. Default none (FIFO). */
  readonly priority?: number;
  /** Milliseconds to wait after publish before the job can run. Default 0. */
  readonly delay?: number;
  /** Jobs of this handler run at most this many at a time per worker process. Default from the module (10). */
  readonly concurrency?: number;
  /**
   * Overrides the event's partition key for this handler, or `false` to opt out of per-key ordering. Events with a
   * key go to this handler's partition lanes: handled one at a time per key, in publish order, across all workers.
   */
  readonly partitionBy?: ((event: E) => PartitionKeyValue | undefined | null) | false;
  /** Number of lanes (queues with global concurrency 1) for keyed events. Default from the module (8). */
  readonly lanes?: number;
  /**
   * Lane group: handlers with the same group share lanes, so events with the same key are handled one at a time in
   * publish order across all of them (an order's cancel is never handled before its create, even by another
   * handler). Members must agree on `lanes`, `attempts`, `backoff` and `onExhausted`. Default: the handler's id (its
   * own lanes).
   */
  readonly group?: string;
  /**
   * What happens to a key whose event exhausted its attempts: `'dead-letter'` (default) fails the job and the lane
   * moves on; `'park'` stops only that key (its later events are set aside, in order) until it is released.
   */
  readonly onExhausted?: ExhaustedPolicy;
  /**
   * Exactly-once effects: run the handler in a database transaction (opened through the app's `TransactionHost`,
   * so its repositories join it) that first records `(handler id, event id)` in the inbox table. A delivery already
   * recorded is skipped and its job completes; a throw rolls back the handler's writes and the row, and the job
   * retries. Needs the module's `inbox` option. Default false.
   */
  readonly inbox?: boolean;
}
