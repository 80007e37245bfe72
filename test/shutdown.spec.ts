import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { BusEvent, EventContext, OnEventAsync, ParkedKeys } from 'nestjs-durable-bus';
import { laneQueueName } from 'nestjs-durable-bus/transport';
import { MemoryLogger, createBusApp } from './support/bus-app';
import { Deferred, Recorder, deferred, poll } from './support/deferred';
import { waitForFinished } from './support/job-events';

@BusEvent('shutdown.export-requested')
class ExportRequested {
  constructor(readonly exportId: string) {}
}

const started = new Recorder<{ exportId: string; attempt: number; pid: number }>();
const finished = new Recorder<string>();
let gate: Deferred<void>;

@Injectable()
class Exporter {
  @OnEventAsync(ExportRequested, { id: 'exports.run' })
  async run(event: ExportRequested, ctx: EventContext) {
    started.push({ exportId: event.exportId, attempt: ctx.attempt, pid: process.pid });
    await gate.promise;
    finished.push(event.exportId);
    lifecycle.push(`handler finished ${event.exportId}`);
  }
}

@BusEvent('shutdown.account-export-requested', { partitionKey: 'accountId' })
class AccountExportRequested {
  constructor(readonly accountId: string) {}
}

@Injectable()
class LaneExporter {
  @OnEventAsync(AccountExportRequested, { id: 'exports.per-account', lanes: 2 })
  async run(event: AccountExportRequested, ctx: EventContext) {
    started.push({ exportId: event.accountId, attempt: ctx.attempt, pid: process.pid });
    await gate.promise;
    finished.push(event.accountId);
  }
}

@BusEvent('shutdown.account-closed', { partitionKey: 'accountId' })
class AccountClosed {
  constructor(readonly accountId: string) {}
}

/** One attempt only, on a dead-letter and on a park handler: the run cut short is their last. */
@Injectable()
class LastAttemptExporter {
  @OnEventAsync(AccountClosed, { id: 'exports.closing-dead-letter', lanes: 2, attempts: 1 })
  deadLetter(event: AccountClosed, ctx: EventContext) {
    return this.run('dead-letter', event, ctx);
  }

  @OnEventAsync(AccountClosed, { id: 'exports.closing-park', lanes: 2, attempts: 1, onExhausted: 'park' })
  park(event: AccountClosed, ctx: EventContext) {
    return this.run('park', event, ctx);
  }

  private async run(handler: string, event: AccountClosed, ctx: EventContext) {
    started.push({ exportId: `${handler} ${event.accountId}`, attempt: ctx.attempt, pid: process.pid });
    await gate.promise;
    finished.push(`${handler} ${event.accountId}`);
  }
}

/** What the app's own resources would be: shut down by Nest after the bus stopped its consumers. */
@Injectable()
class Database implements OnApplicationShutdown {
  static closed: Deferred<void>;
  onApplicationShutdown() {
    lifecycle.push('database closed');
    Database.closed.resolve();
  }
}
const lifecycle: string[] = [];

function socketsAndTimers(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of process.getActiveResourcesInfo()) {
    if (resource === 'TTYWrap' || resource === 'FSReqCallback') continue;
    counts[resource] = (counts[resource] ?? 0) + 1;
  }
  return counts;
}

describe('graceful shutdown', () => {
  beforeEach(() => {
    started.values.length = 0;
    finished.values.length = 0;
    gate = deferred();
  });
  afterEach(() => gate.resolve());

  it('app.close() closes every connection and timer the bus opened', async () => {
    const before = socketsAndTimers();
    const app = await createBusApp({ providers: [Exporter] });
    await app.bus.publish(new ExportRequested('e-3'));
    await started.count(1);
    gate.resolve();
    await finished.count(1);
    expect(socketsAndTimers().TCPSocketWrap).toBeGreaterThan(before.TCPSocketWrap ?? 0);

    await app.close();

    // Jest reuses worker processes across files, so sockets a previous file left closing may end meanwhile.
    await poll(
      () => socketsAndTimers().TCPSocketWrap ?? 0,
      (sockets) => sockets <= (before.TCPSocketWrap ?? 0),
      'sockets to close',
      { ms: 2_000, intervalMs: 5 },
    );
    expect(socketsAndTimers().Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
  });

  it('app.close() stops taking jobs and waits for the running handler before the resources of the app shut down', async () => {
    lifecycle.length = 0;
    Database.closed = deferred();
    const logger = new MemoryLogger();
    const app = await createBusApp({ providers: [Exporter, Database], logger, bus: { shutdownTimeout: 10_000 } });
    const receipt = await app.bus.publish(new ExportRequested('e-1'));
    await started.count(1);

    const closing = app.close();
    await logger.logged('Stopping consumers');
    // The handler is held until the database closes (a shutdown that does not wait for handlers) or, when the
    // shutdown waits as it should, for a second: the wait only bounds how long a broken shutdown has to show itself.
    await Promise.race([Database.closed.promise, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    gate.resolve();
    await closing;

    expect(lifecycle).toEqual(['handler finished e-1', 'database closed']);
    const observer = await createBusApp({ providers: [], prefix: app.prefix });
    expect(await observer.queue('exports.run').getJobState(receipt.jobs[0]!.jobId)).toBe('completed');
  });

  it('a handler still running at shutdownTimeout is left active, and another worker picks the job up again', async () => {
    const first = await createBusApp({
      providers: [Exporter],
      bus: { shutdownTimeout: 50, worker: { lockDuration: 1_000, stalledInterval: 500 } },
    });
    const receipt = await first.bus.publish(new ExportRequested('e-2'));
    await started.count(1);

    await first.close();

    const observer = await createBusApp({ providers: [], prefix: first.prefix });
    expect(await observer.queue('exports.run').getJobState(receipt.jobs[0]!.jobId)).toBe('active');
    await createBusApp({
      providers: [Exporter],
      prefix: first.prefix,
      bus: { worker: { lockDuration: 1_000, stalledInterval: 500 } },
    });
    await started.count(2, 15_000);
    gate.resolve();
    const { state } = await waitForFinished(first.prefix, 'exports.run', receipt.jobs[0]!.jobId);
    expect(state).toBe('completed');
    expect(started.values.map((s) => s.exportId)).toEqual(['e-2', 'e-2']);
    expect(started.values.map((s) => s.attempt)).toEqual([1, 2]); // the cut-short run was a try
  });

  it('a partitioned handler cut short the same way runs again with ctx.attempt 2, as a plain one does', async () => {
    const options = { worker: { lockDuration: 1_000, stalledInterval: 500 } };
    const first = await createBusApp({ providers: [LaneExporter], bus: { shutdownTimeout: 50, ...options } });
    await first.bus.publish(new AccountExportRequested('a-1'));
    await started.count(1);

    await first.close();
    await createBusApp({ providers: [LaneExporter], prefix: first.prefix, bus: options });
    await started.count(2, 15_000);
    gate.resolve();
    await finished.count(1);

    expect(started.values.map((s) => [s.exportId, s.attempt])).toEqual([
      ['a-1', 1],
      ['a-1', 2],
    ]);
  });

  it('a partitioned handler whose last attempt was cut short is not run beyond its attempts: the job fails with the reason, or parks its key', async () => {
    const options = { worker: { lockDuration: 1_000, stalledInterval: 500 } };
    const first = await createBusApp({ providers: [LastAttemptExporter], bus: { shutdownTimeout: 50, ...options } });
    await first.bus.publish(new AccountClosed('a-9'));
    await started.count(2);

    await first.close();
    const second = await createBusApp({ providers: [LastAttemptExporter], prefix: first.prefix, bus: options });
    const lanes = [0, 1].map((lane) => second.queue(laneQueueName('exports.closing-dead-letter', lane)));
    const [failed] = await poll(
      async () => (await Promise.all(lanes.map((lane) => lane.getFailed()))).flat(),
      (jobs) => jobs.length > 0,
      'the dead-letter job to fail',
      { ms: 15_000 },
    );
    const [parkedKey] = await poll(
      () => second.get(ParkedKeys).list('exports.closing-park'),
      (keys) => keys.length > 0,
      'the park handler to park its key',
      { ms: 15_000 },
    );
    gate.resolve();

    expect(failed!.failedReason).toMatch(/no attempts left \(this would be attempt 2 of 1\): a run was cut short/);
    expect(parkedKey).toMatchObject({ key: 'a-9', error: expect.stringMatching(/attempt 2 of 1/) });
    expect(started.values.map((s) => s.attempt)).toEqual([1, 1]); // neither ran again
    expect(finished.values).toEqual([]);
  });
});
