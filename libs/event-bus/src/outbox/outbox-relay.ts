import { Logger } from '@nestjs/common';
import { EventTransport } from '../contracts/event-transport';
import { ResolvedOutboxOptions } from '../contracts/outbox-options';
import { ClaimedBatch, OutboxStore } from '../contracts/outbox-store';
import { errorMessage } from '../errors/error-message';

/** Relay counters, and the latency from a row's insert to its enqueue (both on the database clock). */
export interface OutboxRelayStats {
  /** Jobs moved to the transport by this relay. */
  readonly relayed: number;
  /** Batches (one transport write each) that moved at least one job. */
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
 * Batches a relay's turn may take in one transaction: the next is claimed while the current one is written. More
 * overlap and fewer commits per row, against more rows written again (and skipped by job id) after a failed write.
 */
export const TURN_BATCHES = 8;

/** The longest wait between two tries of a failing relay (unless the poll interval is longer). */
const RETRY_MAX_DELAY_MS = 30_000;

/**
 * The wait after the `failures + 1`th failure in a row: the poll interval, doubled per failure, up to the cap.
 * @internal exported for its test
 */
export function retryDelay(pollInterval: number, failures: number): number {
  const cap = Math.max(pollInterval, RETRY_MAX_DELAY_MS);
  return Math.min(pollInterval * 2 ** Math.min(failures, 30), cap);
}

/**
 * Moves committed outbox rows to the transport. Woken right after a commit (LISTEN/NOTIFY, or in-process when the
 * commit happened here), polling as the fallback. Each turn is one transaction: it claims the oldest pending rows
 * (marking them relayed), writes them with one `transport.dispatch` (one MULTI on BullMQ, in row order, with the
 * rows' deterministic job ids) while it claims the next batch, writes that one once the first is written, and so on
 * while claims find rows (up to {@link TURN_BATCHES}), then commits. A failed write stops the turn before the next
 * batch is written and rolls the whole turn back; a crash between a write and the commit likewise: the rows are
 * written again later, and the transport skips jobs whose ids exist. Relays of several processes take turns (the store serializes claims), so the order of rows, and so of the
 * events of a partition key, is kept. A failed turn (the database or the transport down, a connection lost mid-batch)
 * leaves its rows pending, is logged once and is tried again after a backoff: the poll interval, doubled after each
 * failure in a row, up to 30 s.
 */
export class OutboxRelay {
  private readonly logger = new Logger('EventBus');
  private started = false;
  private starting: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private woken = false;
  private wakeIdle: (() => void) | undefined;
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

  /**
   * Stops: waits for a start in progress and the turn in progress, stops listening and pruning, and lets the store
   * close what it keeps open for claims.
   */
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
    await this.store.close?.().catch(() => undefined);
  }

  /** Relays now rather than at the next poll (a commit happened). */
  wake(): void {
    this.woken = true;
    this.wakeIdle?.();
  }

  /** Relays until no row is pending (for scripts and tests); resolves with the jobs moved. */
  async drain(): Promise<number> {
    let moved = 0;
    for (;;) {
      const turn = await this.relayTurn();
      moved += turn.rows.length;
      if (!this.mayHaveMore(turn)) return moved;
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
    let failures = 0;
    while (this.started) {
      this.woken = false;
      let full: boolean;
      try {
        full = this.mayHaveMore(await this.relayTurn());
        failures = 0;
      } catch (error) {
        // Backs off (pollInterval, doubling, up to RETRY_MAX_DELAY_MS) and is not cut short by wakes: a database or
        // Redis that is down would otherwise be hit once per commit, and a busy app commits all the time.
        const delay = retryDelay(this.options.pollInterval, failures++);
        this.logger.warn(
          `Outbox relay: a batch failed (${errorMessage(error)}); its rows stay pending, next try in ${delay} ms`,
        );
        await this.idle(delay, false);
        continue;
      }
      if (full || this.woken || !this.started) continue;
      await this.idle(this.options.pollInterval, true);
    }
  }

  /** Waits `ms`, or less if stopped (or, when `wakeable`, woken). */
  private async idle(ms: number, wakeable: boolean): Promise<void> {
    if (!this.started) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeIdle = () => {
        if (wakeable || !this.started) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.wakeIdle = undefined;
  }

  private async relayTurn(): Promise<ClaimedBatch> {
    const turn = await this.store.claim(
      this.options.batchSize,
      async (rows) => {
        await this.transport.dispatch(rows.map((row) => row.job));
      },
      { batches: TURN_BATCHES },
    );
    for (const batch of turn.batches ?? [turn]) if (batch.rows.length > 0) this.record(batch);
    return turn;
  }

  /** Whether more rows may be pending after a turn: a store that relays one batch filled it, or the turn was cut. */
  private mayHaveMore(turn: ClaimedBatch): boolean {
    const batches = turn.batches ?? [turn];
    return batches[batches.length - 1]!.rows.length >= this.options.batchSize || batches.length >= TURN_BATCHES;
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
