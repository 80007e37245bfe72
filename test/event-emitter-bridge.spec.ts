import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent as OnEmitterEvent } from '@nestjs/event-emitter';
import { BusEvent, OnEvent, OnEventAsync, SyncHandlerError } from 'nestjs-durable-bus';
import { createBusApp, keysUnder } from './support/bus-app';

@BusEvent('bridge.order-shipped')
class OrderShipped {
  constructor(
    readonly orderId: string,
    readonly failLegacy = false,
  ) {}
}

const calls: string[] = [];
const received: unknown[] = [];

@Injectable()
class LegacyListeners {
  @OnEmitterEvent('bridge.order-shipped', { suppressErrors: false })
  async onShipped(event: OrderShipped) {
    calls.push('legacy');
    received.push(event);
    if (event.failLegacy) throw new Error('legacy listener failed');
  }
}

@Injectable()
class BusHandlers {
  @OnEvent(OrderShipped)
  sync() {
    calls.push('bus sync');
  }

  @OnEventAsync(OrderShipped, { id: 'bridge.async' })
  async later() {}
}

describe('@nestjs/event-emitter bridge (migration path)', () => {
  beforeEach(() => {
    calls.length = 0;
    received.length = 0;
  });

  it('a published event also reaches plain @OnEvent(<wire name>) listeners, after the bus sync handlers', async () => {
    const { bus } = await createBusApp({
      imports: [EventEmitterModule.forRoot()],
      providers: [LegacyListeners, BusHandlers],
      bus: { role: 'publisher' },
    });
    const event = new OrderShipped('o-1');

    await bus.publish(event);

    expect(calls).toEqual(['bus sync', 'legacy']);
    expect(received[0]).toBe(event);
  });

  it('a legacy listener error rejects the publish like a sync handler error and nothing async is dispatched', async () => {
    const { bus, prefix } = await createBusApp({
      imports: [EventEmitterModule.forRoot()],
      providers: [LegacyListeners, BusHandlers],
      bus: { role: 'publisher' },
    });

    const error = await bus.publish(new OrderShipped('o-2', true)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SyncHandlerError);
    expect((error as Error).message).toContain(
      'Sync handler "@nestjs/event-emitter listener of "bridge.order-shipped"" failed for event "bridge.order-shipped"',
    );
    expect((error as Error).message).toContain('legacy listener failed');
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('can be turned off with eventEmitterBridge: false', async () => {
    const { bus } = await createBusApp({
      imports: [EventEmitterModule.forRoot()],
      providers: [LegacyListeners, BusHandlers],
      bus: { role: 'publisher', eventEmitterBridge: false },
    });

    await bus.publish(new OrderShipped('o-3'));

    expect(calls).toEqual(['bus sync']);
  });

  it('without EventEmitterModule the bus works alone', async () => {
    const { bus } = await createBusApp({ providers: [BusHandlers], bus: { role: 'publisher' } });

    await bus.publish(new OrderShipped('o-4'));

    expect(calls).toEqual(['bus sync']);
  });
});
