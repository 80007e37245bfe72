import { EventBusTestingModule, HandlerSelectionError, setupEventBusTesting } from 'nestjs-durable-bus/testing';
import {
  AuditHandlers,
  effects,
  FinancesHandlers,
  InvoiceIssued,
  lastPublished,
  OrderCreated,
  shopProviders,
} from './shop';

setupEventBusTesting();

beforeEach(() => {
  effects.values.length = 0;
});

describe('testing kit runEvent', () => {
  it('runs one async handler on a decoded copy of the event and returns its result', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders, mode: 'strict' });
    const event = new OrderCreated('o-1', 10);
    lastPublished.order = event;

    const outcome = await kit.runEvent(event, FinancesHandlers.prototype.issueInvoice);

    expect(outcome).toEqual({ status: 'ok', handlerId: 'finances.issue-invoice', result: { invoiceFor: 'o-1' } });
    expect(effects.values).toEqual([
      {
        handler: 'finances.issue-invoice',
        orderId: 'o-1',
        attempt: 1,
        isCopy: true,
        createdAt: new Date('2026-03-01T10:00:00Z'),
      },
    ]);
    // What the handler published is recorded like any other event (strict mode: it must be asserted).
    kit.expectPublished(InvoiceIssued, { orderId: 'o-1', amount: 10 });
  });

  it('checks the filter first: not-interested, and the handler does not run', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    await expect(kit.runEvent(new OrderCreated('o-free', 0), 'finances.issue-invoice')).resolves.toEqual({
      status: 'not-interested',
      handlerId: 'finances.issue-invoice',
    });
    expect(effects.values).toEqual([]);
  });

  it("returns the handler's error, and runEventOrThrow throws it", async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    const outcome = await kit.runEvent(new OrderCreated('o-broken', 5), 'finances.issue-invoice', { attempt: 3 });
    expect(outcome).toEqual({
      status: 'error',
      handlerId: 'finances.issue-invoice',
      error: new Error('ledger unavailable'),
    });
    expect(effects.values.map((effect) => effect.attempt)).toEqual([3]);
    await expect(
      kit.runEventOrThrow(new OrderCreated('o-broken', 5), FinancesHandlers.prototype.issueInvoice),
    ).rejects.toThrow('ledger unavailable');
    await expect(kit.runEventOrThrow(new OrderCreated('o-2', 5), 'finances.reserve-credit')).resolves.toEqual({
      status: 'ok',
      handlerId: 'finances.reserve-credit',
      result: undefined,
    });
  });

  it('selects by class when the class has exactly one handler for the event, and lists them when it has more', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    await expect(kit.runEventOrThrow(new InvoiceIssued('o-1', 1), AuditHandlers)).resolves.toMatchObject({
      status: 'ok',
      handlerId: 'audit.invoice-issued',
    });
    const ambiguous = kit.runEvent(new OrderCreated('o-1', 1), FinancesHandlers);
    await expect(ambiguous).rejects.toBeInstanceOf(HandlerSelectionError);
    await expect(ambiguous).rejects.toThrow(
      'runEvent: FinancesHandlers has 2 handlers for event "kit.order-created":\n' +
        '  finances.issue-invoice (FinancesHandlers.issueInvoice, async, filtered)\n' +
        '  finances.reserve-credit (FinancesHandlers.reserveCredit, async)\n' +
        'Pick one by method (Class.prototype.method) or by handler id.',
    );
    await expect(kit.runEvent(new InvoiceIssued('o-1', 1), 'finances.issue-invoice')).rejects.toThrow(
      'runEvent: handler id "finances.issue-invoice" has no handler for event "kit.invoice-issued". It has ' +
        'handlers for other events: finances.issue-invoice (kit.order-created).',
    );
  });

  it('runs a sync handler through the invoker, returning its own error', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    await expect(kit.runEvent(new OrderCreated('o-1', 1), AuditHandlers.prototype.checkOrder)).resolves.toEqual({
      status: 'ok',
      handlerId: 'AuditHandlers.checkOrder',
      result: undefined,
    });
    await expect(kit.runEvent(new OrderCreated('o-1', -1), AuditHandlers)).resolves.toEqual({
      status: 'error',
      handlerId: 'AuditHandlers.checkOrder',
      error: new Error('negative total'),
    });
  });
});
