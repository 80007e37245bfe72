import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BusEvent,
  EventBusConfigError,
  EventBusModuleOptions,
  EventBusModule,
  EventContext,
  OnEventAsync,
  ParkedKeys,
} from 'nestjs-durable-bus';
import { laneOf, laneQueueName } from 'nestjs-durable-bus/transport';
import { MemoryLogger, createBusApp, redisClient, redisUrl } from './support/bus-app';
import { Recorder, poll } from './support/deferred';
import { waitForFinished } from './support/job-events';

@BusEvent('lanes.account-changed', { partitionKey: 'accountId' })
class AccountChanged {
  constructor(
    readonly accountId: string,
    readonly seq: number,
    /** How many tries fail before one succeeds (Infinity: never succeeds). */
    readonly failures = 0,
  ) {}
}

type Handled = { key: string; seq: number; attempt: number; outcome: 'ok' | 'failed'; at: number };

const handled = new Recorder<Handled>();
const running = new Map<string, number>();
let overlaps: string[] = [];
let clock = 0;
/** Keys whose failures were "fixed" (their events stop failing). */
const healed = new Set<string>();

async function handle(event: AccountChanged, ctx: EventContext) {
  const active = running.get(event.accountId) ?? 0;
  if (active > 0) overlaps.push(`${event.accountId}#${event.seq}`);
  running.set(event.accountId, active + 1);
  // Give other lanes and keys a chance to interleave.
  await new Promise((resolve) => setImmediate(resolve));
  running.set(event.accountId, (running.get(event.accountId) ?? 1) - 1);
  const fail = ctx.attempt <= event.failures && !healed.has(event.accountId);
  handled.push({
    key: event.accountId,
    seq: event.seq,
    attempt: ctx.attempt,
    outcome: fail ? 'failed' : 'ok',
    at: clock++,
  });
  if (fail) throw new Error(`account ${event.accountId} #${event.seq} failed on attempt ${ctx.attempt}`);
}

@Injectable()
class Ledger {
  @OnEventAsync(AccountChanged, { id: 'ledger.post', lanes: 4, attempts: 3, backoff: 5 })
  post(event: AccountChanged, ctx: EventContext) {
    return handle(event, ctx);
  }
}

@Injectable()
class Statements {
  @OnEventAsync(AccountChanged, { id: 'statements.update', lanes: 4, attempts: 2, backoff: 1, onExhausted: 'park' })
  update(event: AccountChanged, ctx: EventContext) {
    return handle(event, ctx);
  }
}

const okSeqs = (key: string) => handled.values.filter((h) => h.key === key && h.outcome === 'ok').map((h) => h.seq);
const allDone = (expected: Record<string, number>) => (values: Handled[]) =>
  Object.entries(expected).every(([key, n]) => values.filter((h) => h.key === key && h.outcome === 'ok').length >= n);

describe.each<[string, EventBusModuleOptions]>([
  ['bullmq', {}],
  ['in-memory', { transport: 'in-memory' }],
])('partition lanes (%s transport)', (_, transport) => {
  beforeEach(() => {
    handled.values.length = 0;
    running.clear();
    healed.clear();
    overlaps = [];
  });

  it('handles events of one key one at a time, in publish order, while other keys run in parallel', async () => {
    const { bus } = await createBusApp({ providers: [Ledger], bus: transport });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];

    for (let seq = 0; seq < 10; seq++) await bus.publishAll(keys.map((key) => new AccountChanged(key, seq)));
    await handled.until(allDone(Object.fromEntries(keys.map((k) => [k, 10]))), 'every event of every key');

    for (const key of keys) expect(okSeqs(key)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(overlaps).toEqual([]);
  });

  it('retries in place: a failing event is retried before any later event of its key runs', async () => {
    const { bus } = await createBusApp({ providers: [Ledger], bus: transport });

    await bus.publishAll([new AccountChanged('k', 1, 2), new AccountChanged('k', 2), new AccountChanged('k', 3)]);
    await handled.until(allDone({ k: 3 }), 'the three events of key k');

    expect(handled.values.map((h) => `${h.seq}:${h.attempt}:${h.outcome}`)).toEqual([
      '1:1:failed',
      '1:2:failed',
      '1:3:ok',
      '2:1:ok',
      '3:1:ok',
    ]);
  });

  it('dead-letter: an exhausted event is failed and its key moves on to the next event', async () => {
    const { bus } = await createBusApp({ providers: [Ledger], bus: transport });

    await bus.publishAll([
      new AccountChanged('k', 1),
      new AccountChanged('k', 2, Infinity),
      new AccountChanged('k', 3),
    ]);
    await handled.until(allDone({ k: 2 }), 'the events after the dead one');

    expect(okSeqs('k')).toEqual([1, 3]);
    expect(handled.values.filter((h) => h.seq === 2).map((h) => h.attempt)).toEqual([1, 2, 3]);
  });

  it('park: only the key stops, other keys flow; releasing with skip resumes the key in order', async () => {
    const app = await createBusApp({ providers: [Statements], bus: transport });
    const parkedKeys = app.get(ParkedKeys);
    const others = Array.from({ length: 12 }, (_, i) => `other-${i}`);

    await app.bus.publishAll([
      new AccountChanged('stuck', 1),
      new AccountChanged('stuck', 2, Infinity),
      new AccountChanged('stuck', 3),
      new AccountChanged('stuck', 4),
    ]);
    for (let seq = 1; seq <= 5; seq++) await app.bus.publishAll(others.map((key) => new AccountChanged(key, seq)));
    await handled.until(allDone(Object.fromEntries(others.map((k) => [k, 5]))), 'every event of the other keys');
    await app.bus.publish(new AccountChanged('stuck', 5));

    const parked = await poll(
      () => parkedKeys.list('statements.update'),
      (list) => list[0]?.setAside === 4,
      'four events set aside',
    );
    expect(parked).toMatchObject([
      {
        handlerId: 'statements.update',
        key: 'stuck',
        setAside: 4,
        error: expect.stringContaining('#2 failed on attempt 2'),
      },
    ]);
    expect(parked[0]!.queue).toBe(laneQueueName('statements.update', laneOf('stuck', 4)));
    expect(okSeqs('stuck')).toEqual([1]);

    await parkedKeys.release('statements.update', 'stuck', 'skip');
    await handled.until(allDone({ stuck: 4 }), 'the released key');

    expect(okSeqs('stuck')).toEqual([1, 3, 4, 5]);
    expect(await parkedKeys.list()).toEqual([]);
  });

  it('park then release with retry: the dead event runs again first, then the set-aside ones in order', async () => {
    const app = await createBusApp({ providers: [Statements], bus: transport });
    const parkedKeys = app.get(ParkedKeys);

    await app.bus.publishAll([new AccountChanged('p', 1, 2), new AccountChanged('p', 2), new AccountChanged('p', 3)]);
    await poll(
      () => parkedKeys.list(),
      (list) => list[0]?.setAside === 3,
      'three events set aside',
    );
    await app.bus.publish(new AccountChanged('p', 4));
    await poll(
      () => parkedKeys.list(),
      (list) => list[0]?.setAside === 4,
      'four events set aside',
    );

    healed.add('p');
    await parkedKeys.release('statements.update', 'p', 'retry');
    await handled.until(allDone({ p: 4 }), 'the released key');

    // The retried dead event gets fresh attempts (1 again).
    expect(handled.values.map((h) => `${h.seq}:${h.attempt}:${h.outcome}`)).toEqual([
      '1:1:failed',
      '1:2:failed',
      '1:1:ok',
      '2:1:ok',
      '3:1:ok',
      '4:1:ok',
    ]);
  });
});

@BusEvent('lanes.invoice-requested', { partitionKey: 'orderId' })
class InvoiceRequested {
  constructor(
    readonly orderId: string,
    readonly failures = 0,
  ) {}
}

@BusEvent('lanes.invoice-cancelled', { partitionKey: 'orderId' })
class InvoiceCancelled {
  constructor(readonly orderId: string) {}
}

const lifecycle = new Recorder<string>();

@Injectable()
class InvoiceLifecycle {
  @OnEventAsync(InvoiceRequested, { id: 'invoices.create', group: 'invoices', lanes: 4, attempts: 3, backoff: 5 })
  async create(event: InvoiceRequested, ctx: EventContext) {
    await new Promise((resolve) => setImmediate(resolve));
    if (ctx.attempt <= event.failures) {
      lifecycle.push(`create ${event.orderId} failed (attempt ${ctx.attempt})`);
      throw new Error('invoice service unavailable');
    }
    lifecycle.push(`create ${event.orderId}`);
  }

  @OnEventAsync(InvoiceCancelled, { id: 'invoices.void', group: 'invoices', lanes: 4, attempts: 3, backoff: 5 })
  async void(event: InvoiceCancelled) {
    lifecycle.push(`void ${event.orderId}`);
  }
}

describe.each<[string, EventBusModuleOptions]>([
  ['bullmq', {}],
  ['in-memory', { transport: 'in-memory' }],
])('lane groups (%s transport)', (_, transport) => {
  beforeEach(() => (lifecycle.values.length = 0));

  it('handlers sharing a group handle one key in publish order across handlers: a cancel never overtakes its create', async () => {
    const { bus } = await createBusApp({ providers: [InvoiceLifecycle], bus: transport });

    await bus.publish(new InvoiceRequested('o-1', 2));
    await bus.publish(new InvoiceCancelled('o-1'));
    await bus.publishAll([new InvoiceRequested('o-2'), new InvoiceCancelled('o-2')]);
    await lifecycle.until((values) => values.includes('void o-1') && values.includes('void o-2'), 'both voids');

    const of = (orderId: string) => lifecycle.values.filter((line) => line.includes(` ${orderId}`));
    expect(of('o-1')).toEqual([
      'create o-1 failed (attempt 1)',
      'create o-1 failed (attempt 2)',
      'create o-1',
      'void o-1',
    ]);
    expect(of('o-2')).toEqual(['create o-2', 'void o-2']);
  });
});

describe('partition lanes on BullMQ: boot checks', () => {
  it('lane names carry a Redis Cluster hash tag, and the manifest shows them', async () => {
    const logger = new MemoryLogger();
    await createBusApp({ providers: [Ledger], logger, bus: { role: 'publisher', logManifest: true } });

    expect(laneQueueName('ledger.post', 3)).toBe('{ledger.post.lane-3}');
    expect(logger.lines.map((l) => l.message).join('\n')).toContain(
      'async ledger.post queue=ledger.post attempts=3 backoff=fixed:5ms concurrency=10 lanes=4 onExhausted=dead-letter (queues {ledger.post.lane-0..3})',
    );
  });

  it("asserts every lane's global concurrency of 1 at boot, resetting one changed in Redis", async () => {
    const first = await createBusApp({ providers: [Ledger], bus: { role: 'publisher' } });
    const lane = first.queue(laneQueueName('ledger.post', 2));
    expect(await lane.getGlobalConcurrency()).toBe(1);
    await lane.setGlobalConcurrency(5);

    await createBusApp({ providers: [Ledger], bus: { role: 'publisher' }, prefix: first.prefix });

    expect(await lane.getGlobalConcurrency()).toBe(1);
  });

  it('refuses to change the lane count while the old lanes hold jobs, and accepts it once they are drained', async () => {
    const publisher = await createBusApp({ providers: [Ledger], bus: { role: 'publisher' } });
    const receipt = await publisher.bus.publish(new AccountChanged('x', 1));

    @Injectable()
    class LedgerWithMoreLanes {
      @OnEventAsync(AccountChanged, { id: 'ledger.post', lanes: 8 })
      post() {}
    }
    const refused = await createBusApp({ providers: [LedgerWithMoreLanes], prefix: publisher.prefix }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(EventBusConfigError);
    expect((refused as Error).message).toContain(
      'Lane group "ledger.post" is configured with 8 lanes, but its 4 lanes in Redis still hold work',
    );
    expect((refused as Error).message).toContain('Keep lanes: 4 until those lanes are drained');

    await createBusApp({ providers: [Ledger], prefix: publisher.prefix });
    const lane = laneQueueName('ledger.post', laneOf('x', 4));
    expect((await waitForFinished(publisher.prefix, lane, receipt.jobs[0]!.jobId)).state).toBe('completed');

    await createBusApp({ providers: [LedgerWithMoreLanes], bus: { role: 'publisher' }, prefix: publisher.prefix });
    expect(await redisClient().get(`${publisher.prefix}:lanes:ledger.post`)).toBe('8');
  });

  it('a refused boot closes the connections it opened, since the app cannot be closed after a failed init', async () => {
    const publisher = await createBusApp({ providers: [Ledger], bus: { role: 'publisher' } });
    await publisher.bus.publish(new AccountChanged('x', 1));

    @Injectable()
    class LedgerWithMoreLanes {
      @OnEventAsync(AccountChanged, { id: 'ledger.post', lanes: 8 })
      post() {}
    }
    // Its own connection name, to find its connections in CLIENT LIST; never closed by the test (NestJS 11's close()
    // rethrows the init error before calling any hook, so only the bus itself can release them).
    const { hostname, port } = new URL(redisUrl());
    const connectionName = `${publisher.prefix}-refused`;
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({
          connection: { host: hostname, port: Number(port), connectionName },
          prefix: publisher.prefix,
          logManifest: false,
        }),
      ],
      providers: [LedgerWithMoreLanes],
    }).compile();
    await expect(moduleRef.init()).rejects.toBeInstanceOf(EventBusConfigError);

    const redis = redisClient();
    const open = async () =>
      String(await redis.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(`name=${connectionName}`));
    // Redis drops a client just after replying to its QUIT: a few round trips at most (bounded).
    let left = await open();
    for (let round = 0; left.length > 0 && round < 100; round++) left = await open();
    expect(left).toEqual([]);
  });

  it.each([
    [{ priority: 1 }, 'priority and delay would reorder a partitioned handler'],
    [{ delay: 10 }, 'priority and delay would reorder a partitioned handler'],
    [{ lanes: 0 }, 'lanes" is invalid: expected an integer from 1 to 1024, received 0'],
    [{ onExhausted: 'retry-forever' }, "onExhausted must be 'dead-letter' or 'park'"],
  ])('partitioned handler options %j are refused at boot', async (options, message) => {
    @Injectable()
    class Bad {
      @OnEventAsync(AccountChanged, options as never)
      handle() {}
    }
    await expect(createBusApp({ providers: [Bad] })).rejects.toThrow(message);
  });

  it('handlers of one lane group must agree on lanes and retries, or the boot fails', async () => {
    @Injectable()
    class Disagreeing {
      @OnEventAsync(InvoiceRequested, { id: 'a.create', group: 'shared', lanes: 4 })
      create() {}

      @OnEventAsync(InvoiceCancelled, { id: 'a.void', group: 'shared', lanes: 8 })
      void() {}
    }
    await expect(createBusApp({ providers: [Disagreeing] })).rejects.toThrow(
      'Handlers "a.create" and "a.void" share lane group "shared" but disagree (lanes=4 ',
    );
  });

  it('partitionBy: false opts out (the parallel queue), a custom partitionBy overrides the key', async () => {
    @Injectable()
    class Routing {
      @OnEventAsync(AccountChanged, { id: 'routing.none', partitionBy: false })
      none() {}

      @OnEventAsync(AccountChanged, { id: 'routing.by-seq', partitionBy: (event) => `seq-${event.seq % 2}`, lanes: 2 })
      bySeq() {}
    }
    const app = await createBusApp({ providers: [Routing], bus: { role: 'publisher' } });

    const receipt = await app.bus.publish(new AccountChanged('acc', 7));

    const [none, bySeq] = receipt.jobs;
    const parallel = await app.queue('routing.none').getJob(none!.jobId);
    expect(parallel?.data).toMatchObject({ partitionKey: null });
    const lane = await app.queue(laneQueueName('routing.by-seq', laneOf('seq-1', 2))).getJob(bySeq!.jobId);
    expect(lane?.data).toMatchObject({ partitionKey: 'seq-1' });
  });
});
