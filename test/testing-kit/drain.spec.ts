import { Injectable } from '@nestjs/common';
import { OnEventAsync } from 'nestjs-durable-bus';
import { DrainTimeoutError, EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';
import { freshPrefix, redisUrl } from '../support/bus-app';
import { deferred } from '../support/deferred';
import { effects, OrderAudited, OrdersService, shopProviders } from './shop';

setupEventBusTesting();

const started = { signal: deferred() };
const gate = { open: deferred() };

@Injectable()
class SlowAudit {
  @OnEventAsync(OrderAudited, { id: 'kit.slow-audit' })
  async audit() {
    started.signal.resolve();
    await gate.open.promise;
  }
}

function onBullMq() {
  return { connection: redisUrl(), prefix: freshPrefix(), defaultJobOptions: { attempts: 1 } };
}

beforeEach(() => {
  effects.values.length = 0;
  started.signal = deferred();
  gate.open = deferred();
});

describe('testing kit drain', () => {
  it('waits until every BullMQ queue of the bus is idle, follow-up events included', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders, transport: 'app', bus: onBullMq() });

    await kit.get(OrdersService).create('o-1', 10);
    await kit.drain();

    expect(effects.values.map((effect) => effect.handler).sort()).toEqual([
      'audit.invoice-issued',
      'finances.issue-invoice',
      'finances.reserve-credit',
    ]);
    expect(kit.events.map((record) => record.name)).toEqual(['kit.order-created', 'kit.invoice-issued']);
  });

  it('times out with what is still pending, per queue', async () => {
    const kit = await EventBusTestingModule.create({ providers: [SlowAudit], transport: 'app', bus: onBullMq() });

    await kit.bus.publish(new OrderAudited('o-1'));
    await started.signal.promise;

    const drained = kit.drain({ timeoutMs: 200 });
    await expect(drained).rejects.toBeInstanceOf(DrainTimeoutError);
    await expect(drained).rejects.toThrow(
      'The bus did not become idle within 200 ms. Still pending:\n' +
        '  kit.slow-audit: waiting 0, active 1, delayed 0, prioritized 0\n',
    );
    gate.open.resolve();
    await kit.drain();
  });

  it('works with the in-memory transport and, trivially, with the kit transport', async () => {
    const inMemory = await EventBusTestingModule.create({
      providers: shopProviders,
      transport: 'app',
      bus: { transport: 'in-memory' },
    });
    await inMemory.get(OrdersService).create('o-mem', 10);
    await inMemory.drain();
    expect(effects.values).toHaveLength(3);

    const recording = await EventBusTestingModule.create({ providers: shopProviders });
    await recording.get(OrdersService).create('o-kit', 10);
    await recording.drain();
    expect(effects.values).toHaveLength(3);
  });
});
