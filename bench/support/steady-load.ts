import { performance } from 'node:perf_hooks';

/** What one run at a steady offered load measured. */
export interface LoadRun {
  /** Latency (ms) from when each event was due to when its handler started: median and 99th percentile. */
  readonly p50: number;
  readonly p99: number;
  /** Events handled per second over the run (the offered rate when the side keeps up). */
  readonly achieved: number;
}

/**
 * A steady offered load and the latency it sees: event `i` is due at `start + i / rate`, and every 1 ms timer tick
 * sends the events due by then without awaiting them (an open loop: a side that falls behind does not slow the
 * offer down). The handler of event `i` calls {@link started} when it starts; its latency is counted from when the
 * event was due, so a sender that lags counts against its side.
 */
export class SteadyLoad {
  private readonly latencies: Float64Array;
  private seen = 0;
  private start = 0;
  private lastStart = 0;
  private finished: () => void = () => undefined;

  constructor(
    readonly rate: number,
    readonly count: number,
  ) {
    this.latencies = new Float64Array(count).fill(-1);
  }

  /** Called by the handler of event `i` when it starts (repeats and strays, e.g. a warm-up event, are ignored). */
  readonly started = (i: number): void => {
    if (!(i >= 0 && i < this.count) || this.latencies[i]! >= 0 || this.start === 0) return;
    const now = performance.now();
    this.latencies[i] = now - (this.start + (i * 1000) / this.rate);
    this.lastStart = now;
    if (++this.seen === this.count) this.finished();
  };

  /** Offers the load through `send`; resolves once every handler started, rejects after `timeoutMs` more. */
  async run(send: (i: number) => Promise<unknown>, timeoutMs: number): Promise<LoadRun> {
    const errors: unknown[] = [];
    const all = new Promise<void>((resolve) => (this.finished = resolve));
    this.start = performance.now();
    let sent = 0;
    while (sent < this.count) {
      const due = Math.min(this.count, Math.floor(((performance.now() - this.start) * this.rate) / 1000) + 1);
      for (; sent < due; sent++) send(sent).catch((error: unknown) => errors.push(error));
      if (sent < this.count) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.count - this.seen} of ${this.count} handlers had not started after the load`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (errors.length > 0) throw new Error(`${errors.length} sends failed, the first: ${String(errors[0])}`);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { p50: at(0.5), p99: at(0.99), achieved: this.count / ((this.lastStart - this.start) / 1000) };
  }
}
