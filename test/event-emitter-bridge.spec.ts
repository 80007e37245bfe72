import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent as OnEmitterEvent } from '@nestjs/event-emitter';
import { BusEvent, OnEvent, OnEventAsync, SyncHandlerError } from 'nestjs-durable-bus';
import { MemoryLogger, createBusApp, keysUnder } from './support/bus-app';

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

@Injectable()
class MisnamedListeners {
  @OnEmitterEvent('bridge.order-shiped')
  typo() {}

  @OnEmitterEvent('user.logged-in')
  unrelated() {}

  @OnEmitterEvent('bridge.*')
  pattern() {}
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

  it('the boot manifest lists the legacy listeners each bus event reaches, counted apart from bus handlers', async () => {
    const logger = new MemoryLogger();
    await createBusApp({
      imports: [EventEmitterModule.forRoot({ wildcard: true })],
      providers: [LegacyListeners, MisnamedListeners, BusHandlers],
      bus: { role: 'publisher', logManifest: true },
      logger,
    });

    const manifest = logger.lines.find((line) => line.message.startsWith('Event handlers'))?.message ?? '';
    expect(manifest).toContain('2 handler(s) + 2 bridged @nestjs/event-emitter listener(s) on 1 event(s)');
    expect(manifest).toContain('  legacy LegacyListeners.onShipped (@nestjs/event-emitter, bridged)');
    expect(manifest).toContain('  legacy MisnamedListeners.pattern (@nestjs/event-emitter, bridged)');
  });

  it('a legacy listener one typo away from a wire name is warned about at boot, naming the nearest wire name', async () => {
    const logger = new MemoryLogger();
    await createBusApp({
      imports: [EventEmitterModule.forRoot({ wildcard: true })],
      providers: [MisnamedListeners, BusHandlers],
      bus: { role: 'publisher' },
      logger,
    });

    const warnings = logger.lines.filter((line) => line.level === 'warn').map((line) => line.message);
    expect(warnings).toEqual([
      '@nestjs/event-emitter listener MisnamedListeners.typo listens to "bridge.order-shiped", which is no bus ' +
        'event\'s wire name, so the bridge never calls it. Did you mean "bridge.order-shipped" (the nearest wire ' +
        "name; a guess)? Rename the listener's event string, or the @BusEvent wire name, so they match.",
    ]);
  });

  it('with the bridge off, legacy listeners are neither listed nor warned about', async () => {
    const logger = new MemoryLogger();
    await createBusApp({
      imports: [EventEmitterModule.forRoot()],
      providers: [LegacyListeners, MisnamedListeners, BusHandlers],
      bus: { role: 'publisher', logManifest: true, eventEmitterBridge: false },
      logger,
    });

    const manifest = logger.lines.find((line) => line.message.startsWith('Event handlers'))?.message ?? '';
    expect(manifest).toContain('2 handler(s) on 1 event(s)');
    expect(manifest).not.toContain('legacy');
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });
});
