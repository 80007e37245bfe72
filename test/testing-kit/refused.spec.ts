import { SyncHandlerError } from 'nestjs-durable-bus';
import {
  EventBusTestingModule,
  EventExpectationError,
  RunEventOutcome,
  setupEventBusTesting,
} from 'nestjs-durable-bus/testing';
import { effects, FinancesHandlers, InvoiceIssued, OrderCreated, OrdersService, shopProviders } from './shop';

setupEventBusTesting();

beforeEach(() => {
  effects.values.length = 0;
});

describe('testing kit: publishes a sync handler refused', () => {
  it('are recorded as refused, with their error, not as published', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    await expect(kit.get(OrdersService).create('o-neg', -5)).rejects.toBeInstanceOf(SyncHandlerError);
    await kit.get(OrdersService).create('o-ok', 5);

    kit.expectNotPublished(OrderCreated, { orderId: 'o-neg' });
    expect(kit.published(OrderCreated).map((record) => record.event.orderId)).toEqual(['o-ok']);
    expect(kit.events.map((record) => record.event)).toEqual([new OrderCreated('o-ok', 5)]);
    const refused = kit.expectRefused(OrderCreated, { orderId: 'o-neg' });
    expect(refused.status).toBe('refused');
    expect(refused.error).toBeInstanceOf(SyncHandlerError);
    expect((refused.error as SyncHandlerError).cause).toEqual(new Error('negative total'));
    expect(kit.refused().map((record) => record.event)).toEqual([refused.event]);
    expect(() => kit.expectRefused(OrderCreated, { orderId: 'o-ok' })).toThrow(EventExpectationError);
    expect(() => kit.expectRefused(OrderCreated, { orderId: 'o-ok' })).toThrow(
      "Expected a publish of OrderCreated (kit.order-created) matching { orderId: 'o-ok' } to have been refused, " +
        'but none was (1 such event(s) were published). Refused: kit.order-created (OrderCreated).',
    );
  });

  it('are not asked for by strict mode, and the matcher does not see them', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders, mode: 'strict' });

    await expect(kit.get(OrdersService).create('o-neg', -1)).rejects.toBeInstanceOf(SyncHandlerError);

    expect(kit.unasserted()).toEqual([]);
    expect(() => kit.verify()).not.toThrow();
    expect(kit).not.toHavePublished(OrderCreated);
  });

  it('publishAll refused by one handler records every event of the call as refused', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    await expect(
      kit.bus.publishAll([new InvoiceIssued('o-1', 1), new OrderCreated('o-neg', -1)]),
    ).rejects.toBeInstanceOf(SyncHandlerError);

    expect(kit.events).toEqual([]);
    expect(kit.refused().map((record) => record.name)).toEqual(['kit.invoice-issued', 'kit.order-created']);
  });
});

describe('testing kit: runEventOrThrow', () => {
  it('gives `result` without narrowing', async () => {
    const kit = await EventBusTestingModule.create({ providers: shopProviders });

    // Type-checks as written in the README: `result` is on every outcome (undefined when the filter said no).
    const { result } = await kit.runEventOrThrow<{ invoiceFor: string }>(
      new OrderCreated('o-1', 10),
      FinancesHandlers.prototype.issueInvoice,
    );
    const filtered: RunEventOutcome = await kit.runEventOrThrow(
      new OrderCreated('o-0', 0),
      FinancesHandlers.prototype.issueInvoice,
    );

    expect(result?.invoiceFor).toBe('o-1');
    expect(filtered).toEqual({ status: 'not-interested', handlerId: 'finances.issue-invoice' });
    expect(filtered.result).toBeUndefined();
  });
});
