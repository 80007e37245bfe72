import { Injectable } from '@nestjs/common';
import { BusEvent, EventContext, OnEventAsync, UnrecoverableEventError } from 'nestjs-durable-bus';
import { EVENT_TRANSPORT, InMemoryTransport } from 'nestjs-durable-bus/transport';
import { Test } from '@nestjs/testing';
import { EventBus, EventBusModule } from 'nestjs-durable-bus';
import { Recorder } from './support/deferred';

@BusEvent('memory.report-requested')
class ReportRequested {
  constructor(
    readonly reportId: string,
    readonly behaviour: 'ok' | 'flaky' | 'broken' | 'hopeless' = 'ok',
    readonly at = new Date('2026-01-01T00:00:00Z'),
  ) {}
}

const tries = new Recorder<{ reportId: string; attempt: number; isInstance: boolean; at: unknown }>();
const failures = new Map<string, number>();

@Injectable()
class Reports {
  @OnEventAsync(ReportRequested, { id: 'reports.render', attempts: 3, backoff: { type: 'exponential', delay: 2 } })
  async render(event: ReportRequested, ctx: EventContext) {
    tries.push({
      reportId: event.reportId,
      attempt: ctx.attempt,
      isInstance: event instanceof ReportRequested,
      at: event.at,
    });
    const failed = failures.get(event.reportId) ?? 0;
    if (event.behaviour === 'flaky' && failed < 2) {
      failures.set(event.reportId, failed + 1);
      throw new Error(`renderer busy #${failed + 1}`);
    }
    if (event.behaviour === 'broken') throw new Error('renderer broken');
    if (event.behaviour === 'hopeless') throw new UnrecoverableEventError('template missing');
  }
}

async function inMemoryApp() {
  const moduleRef = await Test.createTestingModule({
    imports: [EventBusModule.forRoot({ transport: 'in-memory', logManifest: false })],
    providers: [Reports],
  }).compile();
  await moduleRef.init();
  return { app: moduleRef, bus: moduleRef.get(EventBus), transport: moduleRef.get<InMemoryTransport>(EVENT_TRANSPORT) };
}

describe('in-memory transport', () => {
  beforeEach(() => {
    tries.values.length = 0;
    failures.clear();
  });

  it('runs async handlers in process, after publish resolves, with a codec round trip', async () => {
    const { app, bus, transport } = await inMemoryApp();

    await bus.publish(new ReportRequested('r-1'));
    expect(tries.values).toEqual([]);

    await transport.whenIdle();
    expect(tries.values).toEqual([
      { reportId: 'r-1', attempt: 1, isInstance: true, at: new Date('2026-01-01T00:00:00Z') },
    ]);
    await app.close();
  });

  it('retries with the same semantics as BullMQ: fail twice, succeed on attempt 3', async () => {
    const { app, bus, transport } = await inMemoryApp();

    await bus.publish(new ReportRequested('r-flaky', 'flaky'));
    await transport.whenIdle();

    expect(tries.values.map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect(transport.getJobs('failed')).toEqual([]);
    await app.close();
  });

  it('keeps exhausted jobs in the failed set with error and stack, and fails unrecoverable errors at once', async () => {
    const { app, bus, transport } = await inMemoryApp();

    await bus.publishAll([new ReportRequested('r-broken', 'broken'), new ReportRequested('r-hopeless', 'hopeless')]);
    await transport.whenIdle();

    const failed = transport.getJobs('failed');
    expect(failed.map((job) => [job.name, job.attemptsMade, job.failedReason])).toEqual([
      ['memory.report-requested', 3, 'renderer broken'],
      ['memory.report-requested', 1, 'template missing'],
    ]);
    expect(failed[0]!.stacktrace).toHaveLength(3);
    expect(failed[0]!.stacktrace[0]).toContain('Reports.render');
    await app.close();
  });

  it('does not enqueue the same event instance twice while its job is pending', async () => {
    const { app, bus, transport } = await inMemoryApp();
    const event = new ReportRequested('r-twice');

    await bus.publish(event);
    await bus.publish(event);
    await transport.whenIdle();

    expect(tries.values).toHaveLength(1);
    await app.close();
  });
});
