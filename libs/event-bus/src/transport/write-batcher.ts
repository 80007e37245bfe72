import { PublishQueueFullError, PublishTimeoutError } from '../errors/publish-timeout.error';

interface PendingWrite<T> {
  readonly items: readonly T[];
  readonly startedAt: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

/**
 * Items per flush. One flush for everything pending would make every caller wait for the whole batch: Redis works
 * while the publishers wait, then the publishers work while Redis idles. Several smaller flushes sent back to back
 * (pipelined on one connection) keep both busy: the first callers resume, and publish again, while Redis runs the
 * next group. 96 measured best in `npm run bench` scenario 2 (64 callers, 3 jobs each; 48-192 tried): 0.56x -> 0.85x
 * of raw `queue.add`.
 */
export const DEFAULT_MAX_BATCH_ITEMS = 96;

/** Whether writes can be sent now (the connection is up); the batcher holds them while it is not. */
export interface WriteGate {
  isOpen(): boolean;
  /** Calls `listener` once, when the gate opens. */
  onOpen(listener: () => void): void;
  /** Why the gate is closed, for errors ("Redis is reconnecting (last error: connect ECONNREFUSED …)"). */
  reason(): string;
}

export interface WriteBatcherOptions<T> {
  /** Items one flush takes at most (a single larger write still goes in one flush). */
  readonly maxItems?: number;
  /** Ms a write may wait, held and in flight, before it rejects with a `PublishTimeoutError`. */
  readonly timeoutMs?: number;
  /** Writes waiting at most (held or in flight); beyond, `write` rejects at once with a `PublishQueueFullError`. */
  readonly maxPending?: number;
  /** Holds writes while closed instead of handing them to a connection that would buffer them without bound. */
  readonly gate?: WriteGate;
  /** Names what a write carries, for errors (the events' wire names). */
  readonly describe?: (items: readonly T[]) => readonly string[];
}

/**
 * Group commit for writes: every `write` made in the same task of the event loop (the synchronous run and the
 * microtasks it queues) goes out in as few `flush` calls as possible, and while flushes are in flight, every write of
 * the same turn (e.g. of the callers that the replies of that turn resumed): 64 concurrent publishes cost a handful of
 * Redis round trips (pipelined), not 64, and a lone publish waits for nothing (bench scenario 10's p50). A write's
 * items are never split across flushes (one publish stays one MULTI); groups
 * hold up to `maxItems` items, unless a single write is larger. Each caller's promise settles with its own items'
 * outcome: one failed item rejects only the write that carried it.
 *
 * Back-pressure: while the gate is closed (Redis is down) writes are held here, not sent, so one that times out is
 * dropped having written nothing; at most `maxPending` writes wait, held or in flight, and each waits at most
 * `timeoutMs`.
 */
export class WriteBatcher<T> {
  private waiting: PendingWrite<T>[] = [];
  private unsettled = 0;
  private scheduled = false;
  /** Flushes sent and not yet answered. */
  private flushing = 0;
  private waitingForGate = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly maxItems: number;
  private readonly timeoutMs: number;
  private readonly maxPending: number;

  /**
   * @param flush writes the items and reports, per item and in order, `null` (stored) or the error; `sizes` says how
   * many items each write carried, in order (a write's items must be stored together or not at all).
   */
  constructor(
    private readonly flush: (items: readonly T[], sizes: readonly number[]) => Promise<readonly (Error | null)[]>,
    private readonly options: WriteBatcherOptions<T> = {},
  ) {
    this.maxItems = options.maxItems ?? DEFAULT_MAX_BATCH_ITEMS;
    this.timeoutMs = options.timeoutMs ?? Infinity;
    this.maxPending = options.maxPending ?? Infinity;
  }

  /** Writes waiting (held or in flight). */
  get pending(): number {
    return this.unsettled;
  }

  write(items: readonly T[]): Promise<void> {
    if (this.unsettled >= this.maxPending) {
      return Promise.reject(new PublishQueueFullError(this.describe(items), this.maxPending, this.reason()));
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, startedAt: Date.now(), resolve, reject, settled: false });
      this.unsettled++;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Nothing in flight: go now (a microtask, so the writes of this task still go together). Flushes in flight: wait
    // for the end of this turn, gathering the writes that the replies arriving in it resume.
    if (this.flushing === 0) queueMicrotask(() => this.flushWaiting());
    else setImmediate(() => this.flushWaiting());
  }

  private flushWaiting(): void {
    this.scheduled = false;
    const gate = this.options.gate;
    if (gate && !gate.isOpen()) return this.hold(gate);
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const waiting = this.waiting;
    this.waiting = [];
    let group: PendingWrite<T>[] = [];
    let size = 0;
    for (const write of waiting) {
      if (size > 0 && size + write.items.length > this.maxItems) {
        void this.flushGroup(group);
        group = [];
        size = 0;
      }
      group.push(write);
      size += write.items.length;
    }
    if (group.length > 0) void this.flushGroup(group);
  }

  /** The gate is closed: keep the writes until it opens, expiring each at its deadline (oldest first). */
  private hold(gate: WriteGate): void {
    if (!this.waitingForGate) {
      this.waitingForGate = true;
      gate.onOpen(() => {
        this.waitingForGate = false;
        this.schedule();
      });
    }
    this.armExpiry();
  }

  private armExpiry(): void {
    const oldest = this.waiting[0];
    if (this.expiryTimer || !oldest || this.timeoutMs === Infinity) return;
    const delay = Math.max(0, oldest.startedAt + this.timeoutMs - Date.now());
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      const now = Date.now();
      // Writes wait in arrival order, so their deadlines are in order too.
      while (this.waiting[0] && now - this.waiting[0].startedAt >= this.timeoutMs) {
        const write = this.waiting.shift()!;
        this.settle(
          write,
          new PublishTimeoutError(this.describe(write.items), now - write.startedAt, 'no', this.reason()),
        );
      }
      this.armExpiry();
    }, delay);
  }

  private async flushGroup(batch: readonly PendingWrite<T>[]): Promise<void> {
    this.flushing++;
    try {
      await this.flushGroupNow(batch);
    } finally {
      this.flushing--;
    }
  }

  private async flushGroupNow(batch: readonly PendingWrite<T>[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    if (this.timeoutMs !== Infinity) {
      timer = setTimeout(
        () => {
          const now = Date.now();
          const reason = this.options.gate?.isOpen() === false ? this.reason() : 'no reply to the write';
          for (const write of batch) {
            const waited = now - write.startedAt;
            this.settle(write, new PublishTimeoutError(this.describe(write.items), waited, 'unknown', reason));
          }
        },
        Math.max(0, batch[0]!.startedAt + this.timeoutMs - Date.now()),
      );
    }
    let outcomes: readonly (Error | null)[];
    try {
      outcomes = await this.flush(
        batch.flatMap((write) => write.items),
        batch.map((write) => write.items.length),
      );
    } catch (error) {
      for (const write of batch) this.settle(write, error);
      return;
    } finally {
      clearTimeout(timer);
    }
    let index = 0;
    for (const write of batch) {
      const errors = outcomes.slice(index, index + write.items.length).filter((error) => error !== null);
      index += write.items.length;
      if (errors.length === 0) this.settle(write);
      else
        this.settle(
          write,
          errors.length === 1 ? errors[0] : new AggregateError(errors, errors.map((e) => e.message).join('; ')),
        );
    }
  }

  /** Resolves the write (no argument) or rejects it with the error; a write settles once. */
  private settle(write: PendingWrite<T>, ...error: [unknown?]): void {
    if (write.settled) return;
    write.settled = true;
    this.unsettled--;
    if (error.length === 0) write.resolve();
    else write.reject(error[0]);
  }

  private describe(items: readonly T[]): readonly string[] {
    return this.options.describe?.(items) ?? [];
  }

  private reason(): string {
    const gate = this.options.gate;
    return gate && !gate.isOpen() ? gate.reason() : 'the transport is slower than the publishers';
  }
}
