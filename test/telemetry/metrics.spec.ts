import { Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, DataPoint, Histogram, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BusEvent, BusTelemetryNames, OnEvent, OnEventAsync, ParkedKeys } from 'nestjs-durable-bus';
import { createBusApp } from '../support/bus-app';
import { poll } from '../support/deferred';
import { waitForFinished } from '../support/job-events';
import { freshDatabase } from '../support/postgres';
import { createTransactionalApp } from '../transactions/support/transactional-app';

/** An in-memory metric reader: the test collects from it when it wants (no export interval). */
class InMemoryMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const reader = new InMemoryMetricReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const M = BusTelemetryNames.metrics;

type Attributes = Record<string, unknown>;

/** The data points of metric `name` whose attributes include `match`. */
async function pointsOf(name: string, match: Attributes = {}): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect();
  const found = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((m) => m.descriptor.name === name);
  return found
    .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[])
    .filter((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value));
}

/** The sum of a counter's (or gauge's) points matching `match`; a histogram's count. */
async function valueOf(name: string, match: Attributes = {}): Promise<number> {
  const points = await pointsOf(name, match);
  return points.reduce((sum, point) => {
    const value = point.value;
    return sum + (typeof value === 'number' ? value : (value as Histogram).count);
  }, 0);
}

@BusEvent('metrics.payment-taken')
class PaymentTaken {
  constructor(readonly paymentId: string) {}
}

@BusEvent('metrics.ledger-posted', { partitionKey: 'account' })
class LedgerPosted {
  constructor(readonly account: string) {}
}

@Injectable()
class MeteredHandlers {
  private flakyTries = 0;

  @OnEvent(PaymentTaken, { id: 'metrics.audit' })
  audit(): void {}

  @OnEventAsync(PaymentTaken, { id: 'metrics.flaky', attempts: 2, backoff: 0 })
  flaky(): void {
    this.flakyTries += 1;
    if (this.flakyTries === 1) throw new Error('first try fails');
  }

  @OnEventAsync(PaymentTaken, { id: 'metrics.doomed', attempts: 1 })
  doomed(): void {
    throw new Error('always fails');
  }

  @OnEventAsync(LedgerPosted, { id: 'metrics.poster', lanes: 2, attempts: 1, onExhausted: 'park' })
  post(): void {
    throw new Error('ledger closed');
  }
}

const handler = BusTelemetryNames.attributes.handlerId;
const event = BusTelemetryNames.attributes.eventName;

describe('metrics (OpenTelemetry, in-memory metric reader, real Redis)', () => {
  it('counts published events and handler tries by outcome, times them, and reads the queue gauges', async () => {
    const { bus, prefix, get } = await createBusApp({ providers: [MeteredHandlers] });
    const payment = await bus.publish(new PaymentTaken('p-1'));
    await bus.publish(new LedgerPosted('acc-1'));
    const jobOf = (id: string) => payment.jobs.find((job) => job.handlerId === id)!.jobId;
    expect((await waitForFinished(prefix, 'metrics.flaky', jobOf('metrics.flaky'))).state).toBe('completed');
    expect((await waitForFinished(prefix, 'metrics.doomed', jobOf('metrics.doomed'))).state).toBe('failed');
    await poll(
      () => get(ParkedKeys).list('metrics.poster'),
      (parked) => parked.length === 1,
      'the parked key',
    );

    expect(await valueOf(M.published, { [event]: 'metrics.payment-taken' })).toBe(1);
    expect(await valueOf(M.published, { [event]: 'metrics.ledger-posted' })).toBe(1);
    expect(await valueOf(M.handled, { [handler]: 'metrics.audit' })).toBe(1);
    expect(await valueOf(M.handled, { [handler]: 'metrics.flaky', [event]: 'metrics.payment-taken' })).toBe(1);
    expect(await valueOf(M.failed, { [handler]: 'metrics.flaky' })).toBe(1);
    expect(await valueOf(M.retried, { [handler]: 'metrics.flaky' })).toBe(1);
    expect(await valueOf(M.failed, { [handler]: 'metrics.doomed' })).toBe(1);
    expect(await valueOf(M.deadLettered, { [handler]: 'metrics.doomed' })).toBe(1);
    expect(await valueOf(M.retried, { [handler]: 'metrics.doomed' })).toBe(0);
    await poll(
      () => valueOf(M.parked, { [handler]: 'metrics.poster' }),
      (n) => n === 1,
      'the parked counter',
    );
    expect(await valueOf(M.deadLettered, { [handler]: 'metrics.poster' })).toBe(0);
    // Every try is timed (the flaky handler's two included); the lag is recorded for handled events.
    expect(await valueOf(M.duration, { [handler]: 'metrics.flaky' })).toBe(2);
    expect(await valueOf(M.lag, { [handler]: 'metrics.flaky' })).toBe(1);
    const [lag] = await pointsOf(M.lag, { [handler]: 'metrics.flaky' });
    expect((lag!.value as Histogram).sum).toBeGreaterThanOrEqual(0);

    expect(await valueOf(M.queueFailed, { [handler]: 'metrics.doomed' })).toBe(1);
    expect(await valueOf(M.queueFailed, { [handler]: 'metrics.flaky' })).toBe(0);
    expect(await valueOf(M.queueWaiting, { [handler]: 'metrics.flaky' })).toBe(0);
    expect(await valueOf(M.queueActive, { [handler]: 'metrics.flaky' })).toBe(0);
    // A lane group reports each of its lanes.
    expect(await pointsOf(M.queueWaiting, { [handler]: 'metrics.poster' })).toHaveLength(2);
  }, 30_000);

  it('reads the outbox backlog and the age of its oldest pending row', async () => {
    const url = await freshDatabase();
    const app = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: url,
      outbox: { relay: false },
      providers: [MeteredHandlers],
    });
    expect(await valueOf(M.outboxBacklog)).toBe(0);
    await app.db.transaction(() => app.bus.publish(new PaymentTaken('p-2')));
    expect(await valueOf(M.outboxBacklog)).toBe(2); // one row per async handler
    expect(await valueOf(M.outboxOldestAge)).toBeGreaterThan(0);
  }, 30_000);
});
