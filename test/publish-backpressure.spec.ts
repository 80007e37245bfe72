import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  BusEvent,
  EventBusConfigError,
  EventBusModuleOptions,
  OnEventAsync,
  OnEventBroadcast,
  PublishQueueFullError,
  PublishTimeoutError,
} from 'nestjs-durable-bus';
import { resolveEventBusOptions } from '../libs/event-bus/src/module/resolve-options';
import { LocalRedis, freePort, startRedisServer } from '../tools/local-redis';
import { WriteBatcher } from '../libs/event-bus/src/transport/write-batcher';
import { CuttingProxy } from './support/cutting-proxy';
import { MemoryLogger, createBusApp, redisUrl } from './support/bus-app';
import { within } from './support/deferred';

@BusEvent('backpressure.invoice-requested')
class InvoiceRequested {
  constructor(readonly orderId: string) {}
}

@Injectable()
class Billing {
  @OnEventAsync(InvoiceRequested, { id: 'billing.invoice' })
  invoice() {}
}

@BusEvent('backpressure.ledger-entry', { partitionKey: 'orderId' })
class LedgerEntryRequested {
  constructor(readonly orderId: string) {}
}

/** A partitioned handler: its lane Workers are shared through the lane balancer, which has its own connections. */
@Injectable()
class Ledger {
  @OnEventAsync(LedgerEntryRequested, { id: 'billing.ledger', lanes: 2 })
  post() {}
}

/** A broadcast handler: the app also opens the fleet-wide channel, which has its own connection to close. */
@Injectable()
class InvoiceFeed {
  @OnEventBroadcast(InvoiceRequested)
  show() {}
}

/** Order ids of the jobs stored in the handler's queue, in any state. */
async function storedOrderIds(queue: Queue): Promise<string[]> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']);
  return jobs.map((job) => String(JSON.stringify(job.data)).match(/"orderId":"([^"]+)"/)?.[1] ?? '?').sort();
}

describe('publish while Redis is down (a Redis server of its own, stopped and restarted on its port)', () => {
  let port: number;
  let redis: LocalRedis | undefined;
  let queue: Queue | undefined;

  beforeEach(async () => {
    port = await freePort();
    redis = await startRedisServer({ port });
  });

  afterEach(async () => {
    await queue?.close();
    queue = undefined;
    await redis?.stop();
    redis = undefined;
  });

  async function busOn(options: EventBusModuleOptions) {
    const logger = new MemoryLogger();
    const app = await createBusApp({
      providers: [Billing],
      logger,
      bus: { connection: `redis://127.0.0.1:${port}`, role: 'publisher', ...options },
    });
    queue = new Queue('billing.invoice', { connection: { host: '127.0.0.1', port }, prefix: app.prefix });
    queue.on('error', () => undefined);
    return { ...app, logger };
  }

  /** Stops Redis and waits until the bus's publishing connection has seen it go. */
  async function stopRedis(logger: MemoryLogger) {
    await redis!.stop();
    redis = undefined;
    await logger.logged('Redis (publishing connection): connect ECONNREFUSED');
  }

  it('fails with a PublishTimeoutError after publishTimeout, and the refused event is not written when Redis is back', async () => {
    const { bus, logger } = await busOn({ publishTimeout: 300 });
    await bus.publish(new InvoiceRequested('before'));
    await stopRedis(logger);

    const error = await bus.publish(new InvoiceRequested('during')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PublishTimeoutError);
    const timeout = error as PublishTimeoutError;
    expect(timeout.written).toBe('no');
    expect(timeout.events).toEqual(['backpressure.invoice-requested']);
    expect(timeout.waitedMs).toBeGreaterThanOrEqual(300);
    expect(timeout.message).toContain('Publishing event "backpressure.invoice-requested" timed out after');
    expect(timeout.message).toContain('Redis is not connected');
    expect(timeout.message).toContain('ECONNREFUSED');
    expect(timeout.message).toContain('Nothing was written');

    // Back on the same port (empty: no persistence). The bus reconnects by itself; a publish made meanwhile may
    // still time out while ioredis waits out its reconnect delay, so try a bounded number of times.
    redis = await startRedisServer({ port });
    let recovered: string | undefined;
    for (let attempt = 0; attempt < 20 && !recovered; attempt++) {
      recovered = await bus.publish(new InvoiceRequested(`after-${attempt}`)).then(
        () => `after-${attempt}`,
        (e: unknown) => {
          if (e instanceof PublishTimeoutError) return undefined;
          throw e;
        },
      );
    }
    expect(recovered).toBeDefined();
    // The timed-out publish was never sent; an attempt that timed out in flight ("unknown") may have been stored.
    const stored = await storedOrderIds(queue!);
    expect(stored).toContain(recovered);
    expect(stored).not.toContain('during');
  });

  it('refuses at once beyond maxPendingPublishes; the held publishes are written when Redis is back', async () => {
    const { bus, logger } = await busOn({ publishTimeout: 20_000, maxPendingPublishes: 2 });
    await bus.publish(new InvoiceRequested('before')); // opens the publishing connection (Redis restarts empty)
    await stopRedis(logger);

    const held = [bus.publish(new InvoiceRequested('held-1')), bus.publish(new InvoiceRequested('held-2'))];
    let heldSettled = false;
    void Promise.allSettled(held).then(() => (heldSettled = true));
    const refused = await bus.publish(new InvoiceRequested('refused')).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(PublishQueueFullError);
    expect((refused as Error).message).toContain(
      'Publishing event "backpressure.invoice-requested" was refused: 2 publishes are already waiting for the transport (Redis is not connected',
    );
    expect(heldSettled).toBe(false);

    redis = await startRedisServer({ port });
    await Promise.all(held);
    expect(await storedOrderIds(queue!)).toEqual(['held-1', 'held-2']);
  });
});

describe('app.close() while Redis is down', () => {
  let redis: LocalRedis | undefined;

  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  /**
   * A consuming and publishing app with a plain, a partitioned and a broadcast handler on a Redis of its own, with
   * an event published to each (every connection open).
   */
  async function appOnOwnRedis() {
    const port = await freePort();
    redis = await startRedisServer({ port });
    const logger = new MemoryLogger();
    const app = await createBusApp({
      providers: [Billing, Ledger, InvoiceFeed],
      logger,
      bus: { connection: `redis://127.0.0.1:${port}`, role: 'both', shutdownTimeout: 25_000 },
    });
    await app.bus.publish(new InvoiceRequested('before'));
    await app.bus.publish(new LedgerEntryRequested('before'));
    return { app, logger };
  }

  it('returns and closes its workers, with no handler running, and logs no error', async () => {
    const { app, logger } = await appOnOwnRedis();
    await redis!.stop();
    redis = undefined;
    await logger.logged('Worker billing.invoice: connect ECONNREFUSED');

    const before = logger.lines.length;
    await within(app.close(), 10_000, 'app.close() with Redis down');

    const during = logger.lines.slice(before);
    const warnings = during.filter((line) => line.level === 'warn').map((line) => line.message);
    expect(warnings.filter((message) => message.includes('still running'))).toEqual([]);
    // A shutdown hook that rejected is logged by Nest as an error (and its worker was left reconnecting forever).
    const errors = during.filter((line) => line.level === 'error' && !line.message.includes('ECONNREFUSED'));
    expect(errors.map((line) => line.message)).toEqual([]);
  });

  it('returns when Redis goes away while it closes (Ctrl-C stopping the app and its Redis together)', async () => {
    const { app, logger } = await appOnOwnRedis();
    const before = logger.lines.length;
    const stopping = redis!.stop();
    redis = undefined;
    await within(Promise.all([app.close(), stopping]), 10_000, 'app.close() while Redis stops');
    const warnings = logger.lines.slice(before).filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.message).filter((message) => message.includes('still running'))).toEqual([]);
  });
});

describe('app.close() as Redis goes away', () => {
  it('returns with its workers closed when Redis went away just before (its clients between reconnect attempts)', async () => {
    const proxy = await CuttingProxy.start(redisUrl());
    try {
      const logger = new MemoryLogger();
      const app = await createBusApp({
        providers: [Billing, Ledger, InvoiceFeed],
        logger,
        bus: { connection: proxy.url, role: 'both', shutdownTimeout: 25_000 },
      });
      await app.bus.publish(new InvoiceRequested('before'));
      await app.bus.publish(new LedgerEntryRequested('before'));
      await proxy.stop(); // every connection cut; the clients start reconnecting

      await within(app.close(), 10_000, 'app.close() just after Redis went away');
      const warnings = logger.lines.filter((line) => line.level === 'warn').map((line) => line.message);
      expect(warnings.filter((message) => message.includes('Worker'))).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('WriteBatcher timeouts', () => {
  it('a write sent but never answered times out as written "unknown" (it may have been stored)', async () => {
    const batcher = new WriteBatcher<string>(() => new Promise(() => undefined), {
      timeoutMs: 50,
      describe: (items) => items,
    });
    const error = await batcher.write(['orders.placed']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect((error as PublishTimeoutError).written).toBe('unknown');
    expect((error as Error).message).toContain('no reply to the write');
    expect(batcher.pending).toBe(0);
  });
});

describe('publishTimeout and maxPendingPublishes options', () => {
  it('default to 5000 ms and 10000 publishes', () => {
    const options = resolveEventBusOptions({ transport: 'in-memory' });
    expect(options.publishTimeout).toBe(5000);
    expect(options.maxPendingPublishes).toBe(10_000);
  });

  it.each([
    [{ publishTimeout: 0 }, 'publishTimeout'],
    [{ maxPendingPublishes: -1 }, 'maxPendingPublishes'],
  ])('%j is refused', (options, name) => {
    expect(() => resolveEventBusOptions({ transport: 'in-memory', ...options })).toThrow(EventBusConfigError);
    expect(() => resolveEventBusOptions({ transport: 'in-memory', ...options })).toThrow(name);
  });
});
