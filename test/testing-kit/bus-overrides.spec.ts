import { Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { EventBusConfigError, EventBusModule } from 'nestjs-durable-bus';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../../libs/event-bus/src/contracts/tokens';
import { ResolvedEventBusOptions } from '../../libs/event-bus/src/contracts/event-bus-options';
import { EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';
import { freshPrefix, redisUrl } from '../support/bus-app';
import { effects, OrdersService, shopProviders } from './shop';

setupEventBusTesting();

/** The app's own root module, as production has it: its bus on a fixed prefix. */
const APP_PREFIX = freshPrefix();

@Module({
  imports: [EventBusModule.forRoot({ connection: redisUrl(), prefix: APP_PREFIX, logManifest: false })],
  providers: shopProviders,
})
class AppModule {}

let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrl());
});

afterAll(async () => {
  await redis.quit();
});

beforeEach(() => {
  effects.values.length = 0;
});

describe('testing kit busOverrides', () => {
  it("runs the app's own module on the test's queue prefix, and drain waits on those queues", async () => {
    const prefix = freshPrefix();
    const kit = await EventBusTestingModule.create({
      imports: [AppModule],
      transport: 'app',
      busOverrides: { prefix, defaultJobOptions: { attempts: 1 } },
    });

    await kit.get(OrdersService).create('o-1', 10);
    await kit.drain();

    expect(kit.get<ResolvedEventBusOptions>(RESOLVED_EVENT_BUS_OPTIONS)).toMatchObject({
      prefix,
      defaultJobOptions: { attempts: 1 },
    });
    expect(effects.values.map((effect) => effect.handler).sort()).toEqual([
      'audit.invoice-issued',
      'finances.issue-invoice',
      'finances.reserve-credit',
    ]);
    expect(await redis.keys(`${prefix}:finances.issue-invoice:*`)).not.toEqual([]);
    expect(await redis.keys(`${APP_PREFIX}:*`)).toEqual([]);
  });

  it('checks the merged options like forRoot does', async () => {
    await expect(
      EventBusTestingModule.create({ imports: [AppModule], busOverrides: { prefix: 'has:colon' } }),
    ).rejects.toThrow(EventBusConfigError);
  });

  it('says to use busOverrides when bus options meet an imported EventBusModule', async () => {
    await expect(EventBusTestingModule.create({ imports: [AppModule], bus: { prefix: 'x' } })).rejects.toThrow(
      'give them as `busOverrides`',
    );
  });
});
