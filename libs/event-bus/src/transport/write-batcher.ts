interface PendingWrite<T> {
  readonly items: readonly T[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for writes: every `write` made in the same turn of the event loop (and while a flush is being
 * prepared) goes out in one `flush` call, so 64 concurrent publishes cost one Redis round trip, not 64. Each
 * caller's promise settles with its own items' outcome: one failed item rejects only the write that carried it.
 */
export class WriteBatcher<T> {
  private pending: PendingWrite<T>[] = [];
  private scheduled = false;

  /**
   * @param flush writes the items and reports, per item and in order, `null` (stored) or the error.
   */
  constructor(private readonly flush: (items: readonly T[]) => Promise<readonly (Error | null)[]>) {}

  write(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flushPending());
      }
    });
  }

  private async flushPending(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
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
