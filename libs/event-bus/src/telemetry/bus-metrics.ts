import type { Attributes, BatchObservableResult, Counter, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';
import type { EventContext } from '../contracts/event-context';
import type { HandlerInterceptor, InterceptedHandler } from '../contracts/handler-interceptor';
import type { PublishReceipt } from '../contracts/publish-receipt';
import type { HandlerRegistry } from '../handlers/handler-registry';
import type { OutboxStore } from '../contracts/outbox-store';
import type { EventTransport } from '../contracts/event-transport';
import { FailedTryOutcome, outcomeOfFailure } from './handler-delivery';
import { INSTRUMENTATION_SCOPE, OpenTelemetry } from '../dispatch/open-telemetry';
import { BusTelemetryNames } from '../contracts/telemetry-names';

const { attributes: A, metrics: M } = BusTelemetryNames;

/** Where the gauges read from. */
export interface MetricSources {
  readonly transport: EventTransport;
  readonly registry: () => HandlerRegistry;
  readonly outbox: OutboxStore | undefined;
}

/**
 * The bus's metrics: counters of published events and of handler tries by outcome, the handlers' duration and the
 * end-to-end lag (handled at minus `occurredAt`), labelled by event and handler; gauges of each handler queue
 * (waiting, delayed, active, failed) and of the outbox (backlog, oldest pending row's age), read on collection.
 * Its interceptor counts and times every handler try, installed by the bus when metrics are on.
 */
export class BusMetrics implements HandlerInterceptor {
  private readonly meter: Meter;
  private readonly published: Counter;
  private readonly handled: Counter;
  private readonly failed: Counter;
  private readonly outcomes: Record<FailedTryOutcome, Counter>;
  private readonly duration: Histogram;
  private readonly lag: Histogram;
  private readonly gauges: Record<
    'waiting' | 'delayed' | 'active' | 'failed' | 'backlog' | 'oldestAge',
    ObservableGauge
  >;
  private readonly observe = (result: BatchObservableResult) => this.readGauges(result);

  constructor(
    api: OpenTelemetry,
    private readonly sources: MetricSources,
  ) {
    const meter = (this.meter = api.metrics.getMeter(INSTRUMENTATION_SCOPE));
    this.published = meter.createCounter(M.published, { description: 'Events published (accepted by publish)' });
    this.handled = meter.createCounter(M.handled, { description: 'Handler tries that succeeded' });
    this.failed = meter.createCounter(M.failed, { description: 'Handler tries that threw' });
    this.outcomes = {
      retried: meter.createCounter(M.retried, { description: 'Failed async tries that will be tried again' }),
      'dead-lettered': meter.createCounter(M.deadLettered, {
        description: 'Async jobs that exhausted their tries (or failed unrecoverably) and stay in the failed set',
      }),
      parked: meter.createCounter(M.parked, { description: 'Partition keys parked by an exhausted event' }),
    };
    this.duration = meter.createHistogram(M.duration, { description: 'Handler try duration', unit: 's' });
    this.lag = meter.createHistogram(M.lag, {
      description: 'End-to-end lag: handled at minus the event occurredAt',
      unit: 's',
    });
    const gauge = (name: string, description: string, unit?: string) =>
      meter.createObservableGauge(name, { description, ...(unit ? { unit } : {}) });
    this.gauges = {
      waiting: gauge(M.queueWaiting, 'Jobs waiting in a handler queue (prioritized included)'),
      delayed: gauge(M.queueDelayed, 'Jobs waiting out a delay or a retry backoff in a handler queue'),
      active: gauge(M.queueActive, 'Jobs running in a handler queue'),
      failed: gauge(M.queueFailed, 'Jobs in the failed set (dead letters) of a handler queue'),
      backlog: gauge(M.outboxBacklog, 'Outbox rows not relayed yet'),
      oldestAge: gauge(M.outboxOldestAge, 'Age of the oldest outbox row not relayed yet', 's'),
    };
  }

  /** Starts reading the gauges on each collection. */
  start(): void {
    this.meter.addBatchObservableCallback(this.observe, Object.values(this.gauges));
  }

  stop(): void {
    this.meter.removeBatchObservableCallback(this.observe, Object.values(this.gauges));
  }

  /** Counts the events of a successful publish. */
  countPublished(receipts: readonly PublishReceipt[]): void {
    for (const receipt of receipts) this.published.add(1, { [A.eventName]: receipt.eventName });
  }

  intercept(
    event: object,
    context: EventContext,
    handler: InterceptedHandler,
    next: () => Promise<unknown>,
  ): Promise<unknown> {
    const attributes: Attributes = {
      [A.eventName]: context.eventName,
      [A.handlerId]: handler.id,
      [A.handlerMode]: context.mode,
    };
    const started = performance.now();
    let pending: Promise<unknown>;
    try {
      pending = next();
    } catch (error) {
      // Whatever was thrown, as it was thrown (the handler's own value, Error or not).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        this.duration.record((performance.now() - started) / 1000, attributes);
        this.handled.add(1, attributes);
        this.lag.record(Math.max(0, Date.now() - context.occurredAt.getTime()) / 1000, attributes);
        return result;
      },
      (error: unknown) => {
        this.duration.record((performance.now() - started) / 1000, attributes);
        this.failed.add(1, attributes);
        const definition = context.mode === 'async' ? this.sources.registry().asyncHandler(handler.id) : undefined;
        const outcome = outcomeOfFailure(context, definition, event, error);
        if (outcome) this.outcomes[outcome].add(1, attributes);
        throw error;
      },
    );
  }

  private async readGauges(result: BatchObservableResult): Promise<void> {
    await Promise.all([this.readQueues(result), this.readOutbox(result)]);
  }

  /** Every queue of this app's async handlers: a handler's own, or each lane of its lane group (once). */
  private async readQueues(result: BatchObservableResult): Promise<void> {
    const { transport } = this.sources;
    if (!transport.pendingJobs) return;
    const owners = new Map<string, string>();
    for (const handler of this.sources.registry().asyncHandlers) {
      const queues = handler.partition ? handler.partition.laneQueues : [handler.queue];
      const owner = handler.partition ? handler.partition.group : handler.id;
      for (const queue of queues) owners.set(queue, owner);
    }
    if (owners.size === 0) return;
    let counts;
    try {
      counts = await transport.pendingJobs([...owners.keys()]);
    } catch {
      return; // the broker is unreachable: no reading this time (the health indicator says why)
    }
    for (const count of counts) {
      const attributes = { [A.queue]: count.queue, [A.handlerId]: owners.get(count.queue)! };
      result.observe(this.gauges.waiting, count.waiting + count.prioritized, attributes);
      result.observe(this.gauges.delayed, count.delayed, attributes);
      result.observe(this.gauges.active, count.active, attributes);
      if (count.failed !== undefined) result.observe(this.gauges.failed, count.failed, attributes);
    }
  }

  private async readOutbox(result: BatchObservableResult): Promise<void> {
    const store = this.sources.outbox;
    if (!store) return;
    try {
      const [backlog, age] = await Promise.all([store.pending(), store.oldestPendingAge?.()]);
      result.observe(this.gauges.backlog, backlog);
      result.observe(this.gauges.oldestAge, (age ?? 0) / 1000);
    } catch {
      return; // the database is unreachable: no reading this time
    }
  }
}
