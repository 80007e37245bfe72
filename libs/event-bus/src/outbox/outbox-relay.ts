import { Logger } from '@nestjs/common';
import { EventTransport } from '../transport/event-transport';
import { ResolvedOutboxOptions } from './outbox-options';
import { ClaimedBatch, OutboxStore } from './outbox-store';
import { errorMessage } from '../errors/error-message';

/** Relay counters, and the latency from a row's insert to its enqueue (both on the database clock). */
export interface OutboxRelayStats {
  /** Jobs moved to the transport by this relay. */
  readonly relayed: number;
  /** Transactions that moved at least one job. */
  readonly batches: number;
  /** Latency (ms) of the last job relayed, `undefined` before the first. */
  readonly lastLatencyMs: number | undefined;
  readonly meanLatencyMs: number | undefined;
  readonly maxLatencyMs: number | undefined;
  /** Median and 99th percentile over the last 10,000 jobs relayed. */
  readonly p50LatencyMs: number | undefined;
  readonly p99LatencyMs: number | undefined;
}

const LATENCY_WINDOW = 10_000;

/**
 * Moves committed outbox rows to the transport. Woken right after a commit (LISTEN/NOTIFY, or in-process when the
 * commit happened here), polling as the fallback. Each turn claims the oldest pending rows in one transaction, writes
 * them with one `transport.dispatch` (one MULTI on BullMQ, in row order, with the rows' deterministic job ids), then
 * marks them relayed: a crash between the write and the mark re-writes jobs whose ids exist, which the transport
 * skips. Relays of several processes take turns (the store serializes claims), so the order of rows, and so of the
 * events of a partition key, is kept.
 */
export class OutboxRelay {
  private readonly logger = new Logger('EventBus');
  private started = false;
  private starting: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private woken = false;
  private wakeIdle: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private stopListening: (() => Promise<void>) | undefined;
  private relayed = 0;
  private batches = 0;
  private latencySum = 0;
  private latencyMax: number | undefined;
  private lastLatency: number | undefined;
  private readonly latencies: number[] = [];

  constructor(
    private readonly store: OutboxStore,
    private readonly transport: EventTransport,
    private readonly options: ResolvedOutboxOptions,
  ) {}

  /** True between `start` and `stop`. */
  get running(): boolean {
    return this.started;
  }

  /** Starts listening for commits, relaying and pruning. */
  start(): Promise<void> {
    if (this.started) return this.starting ?? Promise.resolve();
    this.started = true;
    this.starting = this.begin();
    return this.starting;
  }

  private async begin(): Promise<void> {
    let stopListening: (() => Promise<void>) | undefined;
    try {
      stopListening = await this.store.listen(() => this.wake());
    } catch (error) {
      this.logger.warn(`Outbox relay: cannot listen for commits (${errorMessage(error)}); polling only`);
    }
    if (!this.started) {
      // stop() was called while LISTEN was being set up: undo it rather than leave it running.
      await stopListening?.().catch(() => undefined);
      return;
    }
    this.stopListening = stopListening;
    this.loop = this.run();
    this.pruneTimer = setInterval(() => void this.prune(), this.options.pruneInterval);
    this.pruneTimer.unref();
  }

  /** Stops: waits for a start in progress and the batch in progress, stops listening and pruning. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.starting;
    this.starting = undefined;
    clearInterval(this.pruneTimer);
    this.wake();
    await this.loop;
    await this.stopListening?.().catch(() => undefined);
    this.stopListening = undefined;
  }

  /** Relays now rather than at the next poll (a commit happened). */
  wake(): void {
    this.woken = true;
    clearTimeout(this.idleTimer);
    this.wakeIdle?.();
  }

  /** Relays until no row is pending (for scripts and tests); resolves with the jobs moved. */
  async drain(): Promise<number> {
    let moved = 0;
    for (;;) {
      const batch = await this.relayBatch();
      moved += batch.rows.length;
      if (batch.rows.length < this.options.batchSize) return moved;
    }
  }

  /** Deletes rows relayed longer ago than the retention; resolves with how many. */
  async prune(): Promise<number> {
    try {
      return await this.store.prune(this.options.retention);
    } catch (error) {
      this.logger.warn(`Outbox relay: prune failed (${errorMessage(error)})`);
      return 0;
    }
  }

  stats(): OutboxRelayStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : undefined;
    return {
      relayed: this.relayed,
      batches: this.batches,
      lastLatencyMs: this.lastLatency,
      meanLatencyMs: this.relayed ? this.latencySum / this.relayed : undefined,
      maxLatencyMs: this.latencyMax,
      p50LatencyMs: at(0.5),
      p99LatencyMs: at(0.99),
    };
  }

  private async run(): Promise<void> {
    while (this.started) {
      this.woken = false;
      let full = false;
      try {
        full = (await this.relayBatch()).rows.length >= this.options.batchSize;
      } catch (error) {
        this.logger.warn(`Outbox relay: batch failed, rows stay pending (${errorMessage(error)})`);
      }
      if (full || this.woken || !this.started) continue;
      await new Promise<void>((resolve) => {
        this.wakeIdle = resolve;
        this.idleTimer = setTimeout(resolve, this.options.pollInterval);
      });
      this.wakeIdle = undefined;
    }
  }

  private async relayBatch(): Promise<ClaimedBatch> {
    const batch = await this.store.claim(this.options.batchSize, async (rows) => {
      await this.transport.dispatch(rows.map((row) => row.job));
    });
    if (batch.rows.length > 0) this.record(batch);
    return batch;
  }

  private record({ rows, relayedAt }: ClaimedBatch): void {
    this.batches++;
    for (const row of rows) {
      const latency = Math.max(0, relayedAt.getTime() - row.createdAt.getTime());
      this.relayed++;
      this.latencySum += latency;
      this.lastLatency = latency;
      this.latencyMax = Math.max(this.latencyMax ?? 0, latency);
      this.latencies.push(latency);
    }
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.splice(0, this.latencies.length - LATENCY_WINDOW);
  }
}
