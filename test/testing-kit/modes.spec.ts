import {
  EventBusTestingModule,
  EventBusTestKit,
  InlineHandlerError,
  setupEventBusTesting,
  UnassertedEventsError,
} from 'nestjs-durable-bus/testing';
import { deferred } from '../support/deferred';
import { effects, InvoiceIssued, OrderCreated, OrdersService, shopProviders } from './shop';
import { lineOf } from './source-line';

setupEventBusTesting();

beforeEach(() => {
  effects.values.length = 0;
});

describe('testing kit modes', () => {
  it('default mode records published events (with their interested handlers) and runs no async handler', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    await kit.get(OrdersService).create('o-1', 10);

    expect(kit.events.map((record) => [record.name, record.handlerIds])).toEqual([
      ['kit.order-created', ['finances.issue-invoice', 'finances.reserve-credit']],
    ]);
    expect(effects.values).toEqual([]);
  });

  it('strict mode: an unasserted event fails verification, naming the event, its fields and where it was published', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders, mode: 'strict' });

    await kit.bus.publish(new InvoiceIssued('o-9', 99)); // published here

    const error = (() => {
      try {
        kit.verify();
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UnassertedEventsError);
    const message = (error as Error).message;
    expect(message).toContain('1 event(s) published in strict mode were not asserted');
    expect(message).toContain("kit.invoice-issued (InvoiceIssued) { orderId: 'o-9', amount: 99 }");
    expect(message).toContain(
      `published at test/testing-kit/modes.spec.ts:${lineOf(__filename, '// published here')}:`,
    );

    kit.expectPublished(InvoiceIssued, { orderId: 'o-9' });
    expect(kit.unasserted()).toEqual([]);
  });

  it('leaving strict mode checks that everything published in it was asserted', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });
    await kit.bus.publish(new InvoiceIssued('o-0', 1)); // default mode: never checked

    kit.setMode('strict');
    await kit.bus.publish(new InvoiceIssued('o-1', 1));
    expect(() => kit.setMode('default')).toThrow(/kit\.invoice-issued \(InvoiceIssued\) \{ orderId: 'o-1'/);
    expect(kit.mode).toBe('strict');

    expect(kit).toHavePublished(InvoiceIssued, { orderId: 'o-1' });
    kit.setMode('default');
    await kit.bus.publish(new InvoiceIssued('o-2', 1));
    expect(kit.unasserted()).toEqual([]);
  });

  it('inline mode runs async handlers inside publish, on a decoded copy, through the production invoker', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders, mode: 'inline' });

    await kit.get(OrdersService).create('o-1', 10);

    // Side effects are there as soon as publish resolves, follow-up events included.
    expect(effects.values).toEqual([
      {
        handler: 'finances.issue-invoice',
        orderId: 'o-1',
        attempt: 1,
        isCopy: true,
        createdAt: new Date('2026-03-01T10:00:00Z'),
      },
      { handler: 'audit.invoice-issued', orderId: 'o-1', attempt: 1, isCopy: true, createdAt: 0 },
      { handler: 'finances.reserve-credit', orderId: 'o-1', attempt: 1, isCopy: true, createdAt: 0 },
    ]);
    const created = kit.expectPublished(OrderCreated, { orderId: 'o-1' });
    const [, invoice] = kit.events;
    expect(invoice?.envelope.causationId).toBe(kit.events[0]?.envelope.id);
    expect(created.total).toBe(10);
  });

  it('inline mode: a filter saying no skips the handler, and a throwing handler rejects publish naming it', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders, mode: 'inline' });

    await kit.get(OrdersService).create('o-free', 0);
    expect(effects.values.map((effect) => effect.handler)).toEqual(['finances.reserve-credit']);

    const failure = kit.get(OrdersService).create('o-broken', 5);
    await expect(failure).rejects.toBeInstanceOf(InlineHandlerError);
    await expect(failure).rejects.toThrow(
      'Async handler "finances.issue-invoice" failed for event "kit.order-created" (inline mode): Error: ledger unavailable',
    );
  });

  it('switching modes mid-test: default noise, then inline, then strict', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });
    await kit.get(OrdersService).create('seed', 1);
    expect(effects.values).toEqual([]);

    kit.setMode('inline');
    await kit.get(OrdersService).create('o-inline', 1);
    expect(effects.values.map((effect) => effect.orderId)).toEqual(['o-inline', 'o-inline', 'o-inline']);

    kit.setMode('strict');
    await kit.get(OrdersService).create('o-strict', 1);
    expect(effects.values).toHaveLength(3);
    kit.expectPublished(OrderCreated, { orderId: 'o-strict' });
  });

  it('records events published from timers, promise chains and handlers of the same test', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders, mode: 'strict' });
    const fromTimer = deferred();
    const fromChain = deferred();

    setTimeout(() => void kit.bus.publish(new InvoiceIssued('from-timer', 1)).then(() => fromTimer.resolve()), 0);
    void Promise.resolve()
      .then(() => kit.bus.publish(new InvoiceIssued('from-chain', 2)))
      .then(() => fromChain.resolve());
    await Promise.all([fromTimer.promise, fromChain.promise]);

    kit.expectPublished(InvoiceIssued, { orderId: 'from-timer' });
    kit.expectPublished(InvoiceIssued, { orderId: 'from-chain' });
  });

  it('two kits of one test keep their events apart', async () => {
    const first = await EventBusTestingModule.create({ providers: shopProviders });
    const second = await EventBusTestingModule.create({ providers: shopProviders });
    await first.bus.publish(new InvoiceIssued('only-first', 1));

    expect(first.publishedCount(InvoiceIssued)).toBe(1);
    expect(second.publishedCount(InvoiceIssued)).toBe(0);
  });
});

describe('a kit made in beforeAll', () => {
  let shared: EventBusTestKit;
  beforeAll(async () => {
    shared = await EventBusTestingModule.create({ providers: shopProviders, mode: 'strict' });
  });

  it('records the events of the first test', async () => {
    await shared.bus.publish(new InvoiceIssued('first-test', 1));
    expect(shared).toHavePublished(InvoiceIssued, { orderId: 'first-test' });
  });

  it('starts the next test with no events, in its initial mode', async () => {
    expect(shared.events).toEqual([]);
    expect(shared.mode).toBe('strict');
  });
});
