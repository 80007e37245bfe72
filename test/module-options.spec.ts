import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { BusEvent, EventBus, EventBusConfigError, EventBusModule, OnEventAsync } from 'nestjs-durable-bus';
import { resolveEventBusOptions } from '../libs/event-bus/src/module/resolve-options';
import { createBusApp, freshPrefix, redisUrl } from './support/bus-app';
import { Recorder } from './support/deferred';

@BusEvent('options.signal-raised')
class SignalRaised {
  constructor(readonly n: number) {}
}

const handled = new Recorder<number>();

@Injectable()
class SignalHandlers {
  @OnEventAsync(SignalRaised, { id: 'options.signal' })
  async handle(event: SignalRaised) {
    handled.push(event.n);
  }
}

@Injectable()
class BusConfig {
  readonly url = redisUrl();
  readonly prefix = freshPrefix();
}

@Module({ providers: [BusConfig], exports: [BusConfig] })
class ConfigModule {}

describe('EventBusModule options', () => {
  beforeEach(() => (handled.values.length = 0));

  it('forRootAsync takes its options from an injected provider', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventBusModule.forRootAsync({
          imports: [ConfigModule],
          inject: [BusConfig],
          useFactory: (config: BusConfig) => ({ connection: config.url, prefix: config.prefix, logManifest: false }),
        }),
      ],
      providers: [SignalHandlers],
    }).compile();
    await moduleRef.init();

    const receipt = await moduleRef.get(EventBus).publish(new SignalRaised(1));
    await handled.count(1);

    const prefix = moduleRef.get(BusConfig).prefix;
    const redis = new Redis(redisUrl());
    expect(await redis.exists(`${prefix}:options.signal:${receipt.jobs[0]!.jobId}`)).toBe(1);
    await redis.quit();
    await moduleRef.close();
  });

  it('an ioredis instance passed as connection is used and left open for its owner', async () => {
    const connection = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    const app = await createBusApp({ providers: [SignalHandlers], bus: { connection } });

    await app.bus.publish(new SignalRaised(2));
    await handled.count(1);
    await app.close();

    expect(connection.status).toBe('ready');
    expect(await connection.ping()).toBe('PONG');
    await connection.quit();
  });

  it('defaultJobOptions apply to every handler that does not set its own', async () => {
    const app = await createBusApp({
      providers: [SignalHandlers],
      bus: { role: 'publisher', defaultJobOptions: { attempts: 9, backoff: 50, removeOnComplete: 100 } },
    });

    const receipt = await app.bus.publish(new SignalRaised(3));

    const job = await app.queue('options.signal').getJob(receipt.jobs[0]!.jobId);
    expect(job?.opts).toMatchObject({ attempts: 9, backoff: { type: 'fixed', delay: 50 }, removeOnComplete: 100 });
  });

  it.each([
    [
      { transport: 'kafka' },
      "EventBus option \"transport\" is invalid: expected 'bullmq', 'in-memory' or an EventTransport object, received kafka.",
    ],
    [
      {},
      'EventBusModule.forRoot: no Redis connection, and the default transport (BullMQ) needs one. Either give ' +
        "connection (a Redis URL such as 'redis://localhost:6379', ioredis options or an ioredis instance), or set " +
        "transport: 'in-memory' to run async handlers in this process without Redis",
    ],
    [{ connection: 'redis://x', prefix: 'a:b' }, 'EventBus option "prefix" is invalid'],
    [
      { connection: { cluster: { nodes: [] } } },
      'EventBus option "connection.cluster.nodes" is invalid: expected a non-empty array of seed nodes ' +
        "('redis://host:port' or { host, port }), received [].",
    ],
    [
      { connection: { cluster: { nodes: [{ host: 'redis-1' }] } } },
      'EventBus option "connection.cluster.nodes" is invalid: expected a non-empty array of seed nodes ' +
        '(\'redis://host:port\' or { host, port }), received [{"host":"redis-1"}].',
    ],
    [
      { connection: 'redis://x', role: 'worker' },
      "EventBus option \"role\" is invalid: expected 'publisher', 'consumer' or 'both', received worker.",
    ],
    [
      { connection: 'redis://x', concurrency: 0 },
      'EventBus option "concurrency" is invalid: expected a positive integer, received 0.',
    ],
    [
      { connection: 'redis://x', maxPayloadBytes: 0 },
      'EventBus option "maxPayloadBytes" is invalid: expected a positive integer, received 0.',
    ],
    [
      { connection: 'redis://x', defaultJobOptions: { backoff: -1 } },
      'EventBus option "defaultJobOptions.backoff" is invalid: expected an integer ≥ 0, received -1.',
    ],
  ])('invalid options %j are refused with a message naming the option', (options, message) => {
    expect(() => resolveEventBusOptions(options as never)).toThrow(new EventBusConfigError(message).message);
  });

  it('the in-memory transport needs no connection, and defaults are documented values', () => {
    expect(resolveEventBusOptions({ transport: 'in-memory' })).toMatchObject({
      transport: 'in-memory',
      prefix: 'bus',
      role: 'both',
      concurrency: 10,
      shutdownTimeout: 10_000,
      maxPayloadBytes: 1_048_576,
      eventEmitterBridge: true,
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 86_400 },
        removeOnFail: false,
      },
    });
  });
});
