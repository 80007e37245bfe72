/** A promise with its resolve/reject exposed, for waiting on events instead of sleeping. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves with `promise`, or rejects after `ms` with a message saying what was awaited. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Re-reads state the test cannot subscribe to (an HTTP endpoint, Redis, the process's handles) every `intervalMs`
 * until `done` holds, at most `ms`; the timeout says what was awaited and the last value read.
 */
export async function poll<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  what: string,
  { ms = 10_000, intervalMs = 10 }: { ms?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${ms} ms waiting for ${what}; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Collects values and lets a test wait until a condition over them holds (bounded), e.g. "3 calls recorded".
 */
export class Recorder<T> {
  readonly values: T[] = [];
  private waiters: { check: (values: T[]) => boolean; resolve: () => void }[] = [];

  push(value: T): void {
    this.values.push(value);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.check(this.values)) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Waits until `check` holds for the recorded values, at most `ms`. */
  until(check: (values: T[]) => boolean, what: string, ms = 10_000): Promise<T[]> {
    if (check(this.values)) return Promise.resolve(this.values);
    const done = deferred();
    this.waiters.push({ check, resolve: () => done.resolve() });
    return within(done.promise, ms, `${what} (recorded so far: ${JSON.stringify(this.values, replacer)})`).then(
      () => this.values,
    );
  }

  /** Waits until `count` values were recorded. */
  count(count: number, ms = 10_000): Promise<T[]> {
    return this.until((values) => values.length >= count, `${count} recorded value(s)`, ms);
  }
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
