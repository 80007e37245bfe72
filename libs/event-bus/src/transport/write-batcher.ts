interface PendingWrite<T> {
  readonly items: readonly T[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Items per flush. One flush for everything pending would make every caller wait for the whole batch: Redis works
 * while the publishers wait, then the publishers work while Redis idles. Several smaller flushes sent back to back
 * (pipelined on one connection) keep both busy: the first callers resume, and publish again, while Redis runs the
 * next group. 96 measured best in `npm run bench` scenario 2 (64 callers, 3 jobs each; 48-192 tried): 0.56x -> 0.85x
 * of raw `queue.add`.
 */
export const DEFAULT_MAX_BATCH_ITEMS = 96;

/**
 * Group commit for writes: every `write` made in the same turn of the event loop (and while a flush is being
 * prepared) goes out in as few `flush` calls as possible, so 64 concurrent publishes cost a handful of Redis round
 * trips (pipelined), not 64. A write's items are never split across flushes (one publish stays one MULTI); groups
 * hold up to `maxItems` items, unless a single write is larger. Each caller's promise settles with its own items'
 * outcome: one failed item rejects only the write that carried it.
 */
export class WriteBatcher<T> {
  private pending: PendingWrite<T>[] = [];
  private scheduled = false;

  /**
   * @param flush writes the items and reports, per item and in order, `null` (stored) or the error.
   * @param maxItems how many items one flush takes at most (a single larger write still goes in one flush).
   */
  constructor(
    private readonly flush: (items: readonly T[]) => Promise<readonly (Error | null)[]>,
    private readonly maxItems = DEFAULT_MAX_BATCH_ITEMS,
  ) {}

  write(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flushPending());
      }
    });
  }

  private flushPending(): void {
    const pending = this.pending;
    this.pending = [];
    this.scheduled = false;
    let group: PendingWrite<T>[] = [];
    let size = 0;
    for (const write of pending) {
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

  private async flushGroup(batch: readonly PendingWrite<T>[]): Promise<void> {
    let outcomes: readonly (Error | null)[];
    try {
      outcomes = await this.flush(batch.flatMap((write) => write.items));
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    let index = 0;
    for (const write of batch) {
      const errors = outcomes.slice(index, index + write.items.length).filter((error) => error !== null);
      index += write.items.length;
      if (errors.length === 0) write.resolve();
      else
        write.reject(
          errors.length === 1 ? errors[0] : new AggregateError(errors, errors.map((e) => e.message).join('; ')),
        );
    }
  }
}
