import { Injectable } from '@nestjs/common';
import { BusEvent, EventContext, OnEventAsync, UnrecoverableEventError } from 'nestjs-durable-bus';
import { jobIdOf } from 'nestjs-durable-bus/transport';
import { createBusApp } from './support/bus-app';
import { Recorder } from './support/deferred';
import { waitForFinished } from './support/job-events';
import { monitorRedis, touching } from './support/redis-monitor';

@BusEvent('async.receipt-requested')
class ReceiptRequested {
  constructor(readonly orderId: string) {}
}

/** One handler: each publish makes one job. */
@Injectable()
class Receipts {
  @OnEventAsync(ReceiptRequested, { id: 'billing.receipt' })
  async send() {}
}

@BusEvent('async.invoice-requested')
class InvoiceRequested {
  constructor(
    readonly orderId: string,
    readonly amount: number,
    readonly behaviour: 'ok' | 'flaky' | 'broken' | 'hopeless' = 'ok',
  ) {}
}

const attempts = new Recorder<{ handler: string; orderId: string; ctx: EventContext }>();
const failuresSoFar = new Map<string, number>();

@Injectable()
class InvoiceHandlers {
  @OnEventAsync(InvoiceRequested, { id: 'billing.create-invoice', attempts: 3, backoff: { type: 'fixed', delay: 5 } })
  async createInvoice(event: InvoiceRequested, ctx: EventContext) {
    attempts.push({ handler: 'create', orderId: event.orderId, ctx });
    if (event.behaviour === 'flaky') {
      const failures = failuresSoFar.get(event.orderId) ?? 0;
      if (failures < 2) {
        failuresSoFar.set(event.orderId, failures + 1);
        throw new Error(`payment gateway timeout #${failures + 1}`);
      }
    }
    if (event.behaviour === 'broken') throw new Error('always broken');
    if (event.behaviour === 'hopeless') throw new UnrecoverableEventError(`order ${event.orderId} does not exist`);
    return { invoiced: event.orderId };
  }

  @OnEventAsync(InvoiceRequested, {
    filter: (event) => event.amount > 0,
    priority: 3,
    delay: 1,
    attempts: 7,
    backoff: 250,
  })
  async notifyAccounting(event: InvoiceRequested, ctx: EventContext) {
    attempts.push({ handler: 'notify', orderId: event.orderId, ctx });
  }

  @OnEventAsync(InvoiceRequested)
  async archive(event: InvoiceRequested, ctx: EventContext) {
    attempts.push({ handler: 'archive', orderId: event.orderId, ctx });
  }
}

describe('async handlers (@OnEventAsync) on BullMQ', () => {
  beforeEach(() => {
    attempts.values.length = 0;
    failuresSoFar.clear();
  });

  it("one job per (event, handler), in the handler's own queue, with a deterministic id", async () => {
    const { bus, queue } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });

    const receipt = await bus.publish(new InvoiceRequested('o-1', 10));

    expect(receipt.jobs).toEqual([
      { handlerId: 'billing.create-invoice', jobId: `${receipt.eventId}.billing.create-invoice` },
      { handlerId: 'InvoiceHandlers.notifyAccounting', jobId: `${receipt.eventId}.InvoiceHandlers.notifyAccounting` },
      { handlerId: 'InvoiceHandlers.archive', jobId: `${receipt.eventId}.InvoiceHandlers.archive` },
    ]);
    for (const { handlerId, jobId } of receipt.jobs) {
      const job = await queue(handlerId).getJob(jobId);
      expect(job?.name).toBe('async.invoice-requested');
      expect(job?.data).toMatchObject({ id: receipt.eventId, handler: handlerId, payload: { orderId: 'o-1' } });
      expect(await queue(handlerId).count()).toBe(1);
    }
    expect(jobIdOf(receipt.eventId, 'x')).toBe(`${receipt.eventId}.x`);
  });

  it('publishing the same event instance twice does not enqueue twice', async () => {
    const { bus, queue } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });
    const event = new InvoiceRequested('o-2', 10);

    const first = await bus.publish(event);
    const second = await bus.publish(event);

    expect(second.eventId).toBe(first.eventId);
    expect(await queue('billing.create-invoice').count()).toBe(1);
    expect(await queue('InvoiceHandlers.archive').count()).toBe(1);
  });

  it('the remembered envelope leaves the event as it was: same keys, equal to a fresh instance, JSON unchanged', async () => {
    const { bus } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });
    const event = new InvoiceRequested('o-2b', 10);

    await bus.publish(event);

    expect(Object.keys(event)).toEqual(['orderId', 'amount', 'behaviour']);
    expect({ ...event }).toEqual({ orderId: 'o-2b', amount: 10, behaviour: 'ok' });
    expect(event).toStrictEqual(new InvoiceRequested('o-2b', 10));
    expect(JSON.stringify(event)).toBe(JSON.stringify(new InvoiceRequested('o-2b', 10)));
  });

  it('a copy of a published event (with its property descriptors) is a new event, with jobs of its own', async () => {
    const { bus, queue } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });
    const event = new InvoiceRequested('o-2d', 10);
    const first = await bus.publish(event);

    const copy = Object.defineProperties(
      Object.create(InvoiceRequested.prototype) as InvoiceRequested,
      Object.getOwnPropertyDescriptors(event),
    );
    const child = Object.create(event) as InvoiceRequested;
    const receipts = [await bus.publish(copy), await bus.publish(child)];

    expect(new Set([first.eventId, ...receipts.map((receipt) => receipt.eventId)]).size).toBe(3);
    expect(await queue('billing.create-invoice').count()).toBe(3);
  });

  it('a frozen event published twice is enqueued once too', async () => {
    const { bus, queue } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });
    const event = Object.freeze(new InvoiceRequested('o-2c', 10));

    const first = await bus.publish(event);
    const second = await bus.publish(event);

    expect(second.eventId).toBe(first.eventId);
    expect(await queue('billing.create-invoice').count()).toBe(1);
  });

  it('handler options become job options: attempts, backoff, priority, delay', async () => {
    const { bus, queue } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });

    const receipt = await bus.publish(new InvoiceRequested('o-3', 10));

    const notify = await queue('InvoiceHandlers.notifyAccounting').getJob(receipt.jobs[1]!.jobId);
    expect(notify?.opts).toMatchObject({ attempts: 7, backoff: { type: 'fixed', delay: 250 }, priority: 3, delay: 1 });
    const create = await queue('billing.create-invoice').getJob(receipt.jobs[0]!.jobId);
    expect(create?.opts).toMatchObject({ attempts: 3, backoff: { type: 'fixed', delay: 5 } });
    const archive = await queue('InvoiceHandlers.archive').getJob(receipt.jobs[2]!.jobId);
    expect(archive?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
  });

  it('a handler failing twice then succeeding is retried with its backoff and completes on attempt 3', async () => {
    const { bus, prefix } = await createBusApp({ providers: [InvoiceHandlers] });

    const receipt = await bus.publish(new InvoiceRequested('o-flaky', 0, 'flaky'));
    const { state, job } = await waitForFinished(prefix, 'billing.create-invoice', receipt.jobs[0]!.jobId);

    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ invoiced: 'o-flaky' });
    const tries = attempts.values.filter((a) => a.handler === 'create').map((a) => [a.ctx.attempt, a.ctx.maxAttempts]);
    expect(tries).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('an exhausted job stays in the failed set with its error and stack', async () => {
    const { bus, prefix } = await createBusApp({ providers: [InvoiceHandlers] });

    const receipt = await bus.publish(new InvoiceRequested('o-broken', 0, 'broken'));
    const { state, job } = await waitForFinished(prefix, 'billing.create-invoice', receipt.jobs[0]!.jobId);

    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    expect(job.failedReason).toBe('always broken');
    expect(job.stacktrace).toHaveLength(3);
    expect(job.stacktrace?.[0]).toContain('InvoiceHandlers.createInvoice');
  });

  it('an UnrecoverableEventError fails the job at once, without using the remaining attempts', async () => {
    const { bus, prefix } = await createBusApp({ providers: [InvoiceHandlers] });

    const receipt = await bus.publish(new InvoiceRequested('o-gone', 0, 'hopeless'));
    const { state, job } = await waitForFinished(prefix, 'billing.create-invoice', receipt.jobs[0]!.jobId);

    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe('UnrecoverableEventError: order o-gone does not exist');
    expect(job.stacktrace?.[0]).toContain('InvoiceHandlers.createInvoice');
    expect(attempts.values.filter((a) => a.handler === 'create')).toHaveLength(1);
  });

  it('the handler gets the event id, attempt and correlation/causation ids in its context', async () => {
    const { bus } = await createBusApp({ providers: [InvoiceHandlers] });

    const receipt = await bus.publish(new InvoiceRequested('o-ctx', 5), { correlationId: 'checkout-77' });
    await attempts.until((values) => values.some((a) => a.handler === 'archive'), 'archive handler');

    const { ctx } = attempts.values.find((a) => a.handler === 'archive')!;
    expect(ctx).toMatchObject({
      eventId: receipt.eventId,
      eventName: 'async.invoice-requested',
      eventVersion: 1,
      correlationId: 'checkout-77',
      causationId: undefined,
      handlerId: 'InvoiceHandlers.archive',
      mode: 'async',
      attempt: 1,
      maxAttempts: 5,
    });
    expect(ctx.occurredAt).toBeInstanceOf(Date);
  });

  it('filter false: no job for that handler, and a publish where every filter says no sends nothing to Redis', async () => {
    @Injectable()
    class OnlyFiltered {
      @OnEventAsync(InvoiceRequested, { id: 'only.filtered', filter: (event) => event.amount > 100 })
      async handle() {}
    }
    const { bus, prefix, queue } = await createBusApp({ providers: [OnlyFiltered], bus: { role: 'publisher' } });
    await bus.publish(new InvoiceRequested('warm-up', 500));
    const monitor = await monitorRedis();

    const receipt = await bus.publish(new InvoiceRequested('o-small', 10));

    const commands = await monitor.stop();
    expect(receipt.jobs).toEqual([]);
    expect(touching(commands, prefix)).toEqual([]);
    expect(commands.filter((c) => ['multi', 'exec', 'evalsha', 'eval'].includes(c.args[0]!.toLowerCase()))).toEqual([]);
    expect(await queue('only.filtered').count()).toBe(1);
  });

  it('writes that go out as several MULTIs reach Redis in the order they were made, whatever their sizes', async () => {
    const { bus, queue } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });
    await bus.publish(new InvoiceRequested('warm-up', 1));
    // 32 events × 3 handlers fill a 96-job MULTI; the next publish, in the same turn, gets a MULTI of its own.
    const big = bus.publishAll(Array.from({ length: 32 }, (_, i) => new InvoiceRequested(`o-b${i}`, 1)));
    const small = bus.publish(new InvoiceRequested('o-after', 1));
    const receipts = [...(await big), await small];

    const waiting = await queue('billing.create-invoice').getJobs(['wait'], 0, -1, true);
    expect(waiting.map((job) => job.id)).toEqual([
      expect.stringContaining('billing.create-invoice'), // the warm-up
      ...receipts.map((receipt) => receipt.jobs[0]!.jobId),
    ]);
  });

  it('all jobs of one publish, and of many concurrent publishes, go out in one MULTI round trip', async () => {
    const { bus, prefix } = await createBusApp({ providers: [InvoiceHandlers], bus: { role: 'publisher' } });
    await bus.publish(new InvoiceRequested('warm-up', 1));

    const single = await monitorRedis();
    await bus.publish(new InvoiceRequested('o-one', 1));
    const singleCommands = await single.stop();

    const concurrent = await monitorRedis();
    await Promise.all(Array.from({ length: 20 }, (_, i) => bus.publish(new InvoiceRequested(`o-c${i}`, 1))));
    const concurrentCommands = await concurrent.stop();

    for (const [commands, jobs] of [
      [singleCommands, 3],
      [concurrentCommands, 60],
    ] as const) {
      const writes = touching(commands, prefix);
      expect(writes).toHaveLength(jobs);
      const sources = new Set(writes.map((c) => c.source));
      expect(sources.size).toBe(1);
      const fromProducer = commands.filter((c) => sources.has(c.source)).map((c) => c.args[0]!.toLowerCase());
      expect(fromProducer.filter((name) => name === 'multi')).toHaveLength(1);
      expect(fromProducer.filter((name) => name === 'exec')).toHaveLength(1);
    }
  });

  it('a publish that makes one job sends it as one command, without a MULTI, in order with the MULTIs around it', async () => {
    const { bus, prefix, queue } = await createBusApp({ providers: [Receipts], bus: { role: 'publisher' } });
    await bus.publish(new ReceiptRequested('warm-up'));
    const monitor = await monitorRedis();

    // 96 jobs fill the first flush's MULTI; the one-job publishes of the same turn follow, each its own command.
    const big = bus.publishAll(Array.from({ length: 96 }, (_, i) => new ReceiptRequested(`r-b${i}`)));
    const singles = Array.from({ length: 20 }, (_, i) => bus.publish(new ReceiptRequested(`r-s${i}`)));
    const receipts = [...(await big), ...(await Promise.all(singles))];
    const commands = await monitor.stop();

    const writes = touching(commands, prefix);
    expect(writes).toHaveLength(116);
    const fromProducer = commands.filter((c) => c.source === writes[0]!.source).map((c) => c.args[0]!.toLowerCase());
    expect(fromProducer.filter((name) => name === 'multi')).toHaveLength(1);
    expect(fromProducer.filter((name) => name === 'exec')).toHaveLength(1);
    const waiting = await queue('billing.receipt').getJobs(['wait'], 0, -1, true);
    expect(waiting.map((job) => job.id)).toEqual([
      expect.stringContaining('billing.receipt'), // the warm-up
      ...receipts.map((receipt) => receipt.jobs[0]!.jobId),
    ]);
  });
});
