import { Inject, Injectable } from '@nestjs/common';
import { filter, firstValueFrom } from 'rxjs';
import {
  BroadcastEvent,
  BroadcastFeed,
  BusEvent,
  BusType,
  EventBusModuleOptions,
  EventContext,
  OnEvent,
  OnEventBroadcast,
} from 'nestjs-durable-bus';
import { createBusApp, freshPrefix, keysUnder, MemoryLogger } from '../support/bus-app';
import { Recorder, within } from '../support/deferred';

@BusType('broadcast.money')
class Money {
  constructor(
    readonly amount: bigint,
    readonly currency: string,
  ) {}
}

@BusEvent('broadcast.price-changed')
class PriceChanged {
  constructor(
    readonly sku: string,
    readonly price: Money,
    readonly at: Date,
  ) {}
}

@BusEvent('broadcast.stock-counted')
class StockCounted {
  constructor(
    readonly sku: string,
    readonly count: number,
  ) {}
}

const NODE = Symbol('node');

interface Received {
  readonly node: string;
  readonly handler: string;
  readonly event: object;
  readonly context: EventContext;
}

const received = new Recorder<Received>();

beforeEach(() => {
  received.values.length = 0;
});

@Injectable()
class StorefrontPushes {
  constructor(@Inject(NODE) private readonly node: string) {}

  @OnEventBroadcast(PriceChanged)
  pushPrice(event: PriceChanged, context: EventContext) {
    received.push({ node: this.node, handler: 'pushPrice', event, context });
  }

  @OnEventBroadcast(PriceChanged, { id: 'storefront.flaky-cache' })
  invalidateCache(event: PriceChanged, context: EventContext) {
    received.push({ node: this.node, handler: 'flaky-cache', event, context });
    if (event.sku === 'boom') throw new Error('cache unreachable');
  }
}

@Injectable()
class PricingPolicies {
  @OnEvent(PriceChanged)
  refuseFreeItems(event: PriceChanged) {
    if (event.price.amount === 0n) throw new Error('free items are not allowed');
  }
}

async function node(name: string, prefix: string, bus: Partial<EventBusModuleOptions> = {}, logger?: MemoryLogger) {
  return createBusApp({
    prefix,
    bus,
    logger,
    providers: [{ provide: NODE, useValue: name }, StorefrontPushes, PricingPolicies],
  });
}

function fromNode(name: string, handler = 'pushPrice') {
  return (values: Received[]) => values.some((value) => value.node === name && value.handler === handler);
}

describe('broadcast handlers (@OnEventBroadcast)', () => {
  it('run on every node of the fleet: two apps on one Redis both get the event, decoded, with its context', async () => {
    const prefix = freshPrefix();
    const a = await node('a', prefix);
    await node('b', prefix);

    const receipt = await a.bus.publish(
      new PriceChanged('sku-1', new Money(1250n, 'EUR'), new Date('2026-11-23T10:00:00Z')),
    );

    await received.until((values) => fromNode('a')(values) && fromNode('b')(values), 'pushPrice on nodes a and b');
    for (const name of ['a', 'b']) {
      const delivery = received.values.find((value) => value.node === name && value.handler === 'pushPrice')!;
      expect(delivery.event).toBeInstanceOf(PriceChanged);
      expect(delivery.event).toEqual(
        new PriceChanged('sku-1', new Money(1250n, 'EUR'), new Date('2026-11-23T10:00:00Z')),
      );
      expect((delivery.event as PriceChanged).price).toBeInstanceOf(Money);
      expect(delivery.context).toMatchObject({
        eventId: receipt.eventId,
        eventName: 'broadcast.price-changed',
        correlationId: receipt.correlationId,
        handlerId: 'StorefrontPushes.pushPrice',
        mode: 'broadcast',
        attempt: 1,
        maxAttempts: 1,
      });
    }
    expect(receipt.jobs).toEqual([]);
    // No queue, no job: only the relay's keys.
    expect((await keysUnder(prefix)).filter((key) => key.includes('StorefrontPushes'))).toEqual([]);
  });

  it('a throwing broadcast handler does not fail the publish, is logged, and is not retried', async () => {
    const prefix = freshPrefix();
    const logger = new MemoryLogger();
    await node('b', prefix);
    // Last, so that its logger is the one in place (Nest's logger is process-wide).
    const a = await node('a', prefix, {}, logger);

    const receipt = await a.bus.publish(new PriceChanged('boom', new Money(5n, 'EUR'), new Date()));
    expect(receipt.eventName).toBe('broadcast.price-changed');
    await logger.logged('Broadcast handler storefront.flaky-cache failed');
    // A later event reaching both nodes shows that nothing of the first one is still coming.
    await a.bus.publish(new PriceChanged('after', new Money(6n, 'EUR'), new Date()));
    await received.until(
      (values) =>
        ['a', 'b'].every((name) =>
          values.some((value) => value.node === name && (value.event as PriceChanged).sku === 'after'),
        ),
      'the second event on both nodes',
    );

    const boom = received.values.filter((value) => (value.event as PriceChanged).sku === 'boom');
    expect(boom.map((value) => `${value.node}:${value.handler}`).sort()).toEqual([
      'a:flaky-cache',
      'a:pushPrice',
      'b:flaky-cache',
      'b:pushPrice',
    ]);
    expect(logger.lines.find((line) => line.message.includes('flaky-cache failed'))?.message).toMatch(
      /not retried.*cache unreachable/,
    );
  });

  it('broadcasts nothing when a sync handler rejects the publish', async () => {
    const prefix = freshPrefix();
    const a = await node('a', prefix);
    await node('b', prefix);

    await expect(a.bus.publish(new PriceChanged('free', new Money(0n, 'EUR'), new Date()))).rejects.toThrow(
      /free items/,
    );
    await a.bus.publish(new PriceChanged('paid', new Money(1n, 'EUR'), new Date()));
    await received.until((values) => fromNode('a')(values) && fromNode('b')(values), 'the paid event on both nodes');

    expect(received.values.map((value) => (value.event as PriceChanged).sku)).not.toContain('free');
  });

  it('run in the publishing process with the in-memory transport', async () => {
    const app = await node('local', freshPrefix(), { transport: 'in-memory', connection: undefined });

    await app.bus.publish(new PriceChanged('sku-9', new Money(9n, 'EUR'), new Date()));

    const [delivery] = await received.until(fromNode('local'), 'pushPrice in process');
    expect(delivery!.event).toBeInstanceOf(PriceChanged);
  });
});

describe('BroadcastFeed', () => {
  it("emits, as an observable, events published in another app of the fleet (broadcast: 'all')", async () => {
    const prefix = freshPrefix();
    const publisher = await createBusApp({ prefix, bus: { broadcast: 'all' } });
    const watcher = await createBusApp({ prefix, bus: { broadcast: 'all', role: 'publisher' } });
    const feed = watcher.get(BroadcastFeed);
    const next = firstValueFrom(feed.events$.pipe(filter((event) => event.eventName === 'broadcast.stock-counted')));
    const typed = firstValueFrom(feed.of(StockCounted));

    const receipt = await publisher.bus.publish(new StockCounted('sku-3', 17), { correlationId: 'req-42' });

    const event: BroadcastEvent = await within(next, 10_000, 'the feed to emit StockCounted');
    expect(event).toEqual({
      eventName: 'broadcast.stock-counted',
      eventId: receipt.eventId,
      occurredAt: expect.any(Date),
      correlationId: 'req-42',
      causationId: undefined,
      partitionKey: undefined,
      payload: new StockCounted('sku-3', 17),
    });
    expect(event.payload).toBeInstanceOf(StockCounted);
    expect((await within(typed, 10_000, 'feed.of(StockCounted)')).payload.count).toBe(17);
  });

  it('completes when the app shuts down', async () => {
    const app = await createBusApp({ bus: { broadcast: 'all' } });
    const feed = app.get(BroadcastFeed);
    const completed = new Promise<void>((resolve) => feed.events$.subscribe({ complete: () => resolve() }));

    await app.close();

    await within(completed, 5_000, 'the feed to complete');
  });
});
