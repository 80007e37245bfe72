import { Injectable } from '@nestjs/common';
import { BusEvent, EventBus, EventBusModuleOptions, EventContext, OnEvent, OnEventAsync } from 'nestjs-durable-bus';
import { createBusApp } from './support/bus-app';
import { Recorder } from './support/deferred';

@BusEvent('chain.order-paid')
class OrderPaid {
  constructor(readonly orderId: string) {}
}

@BusEvent('chain.receipt-sent')
class ReceiptSent {
  constructor(readonly orderId: string) {}
}

@BusEvent('chain.loyalty-credited')
class LoyaltyCredited {
  constructor(readonly orderId: string) {}
}

@BusEvent('chain.payment-checked')
class PaymentChecked {
  constructor(readonly orderId: string) {}
}

const seen = new Recorder<{ event: string; ctx: EventContext }>();

@Injectable()
class Chain {
  constructor(private readonly bus: EventBus) {}

  @OnEvent(OrderPaid)
  async check(event: OrderPaid, ctx: EventContext) {
    seen.push({ event: 'sync OrderPaid', ctx });
    await this.bus.publish(new PaymentChecked(event.orderId));
  }

  @OnEvent(PaymentChecked)
  record(_: PaymentChecked, ctx: EventContext) {
    seen.push({ event: 'sync PaymentChecked', ctx });
  }

  @OnEventAsync(OrderPaid, { id: 'chain.send-receipt' })
  async sendReceipt(event: OrderPaid, ctx: EventContext) {
    seen.push({ event: 'async OrderPaid', ctx });
    await this.bus.publish(new ReceiptSent(event.orderId));
  }

  @OnEventAsync(ReceiptSent, { id: 'chain.credit-loyalty' })
  async credit(event: ReceiptSent, ctx: EventContext) {
    seen.push({ event: 'async ReceiptSent', ctx });
    await this.bus.publish(new LoyaltyCredited(event.orderId));
  }

  @OnEventAsync(LoyaltyCredited, { id: 'chain.loyalty-done' })
  async done(_: LoyaltyCredited, ctx: EventContext) {
    seen.push({ event: 'async LoyaltyCredited', ctx });
  }
}

describe.each<[string, EventBusModuleOptions]>([
  ['bullmq', {}],
  ['in-memory', { transport: 'in-memory' }],
])('correlation (%s transport)', (_, bus) => {
  beforeEach(() => (seen.values.length = 0));

  it('an event published from a handler gets the handled event as causation and keeps its correlation id', async () => {
    const app = await createBusApp({ providers: [Chain], bus });

    const paid = await app.bus.publish(new OrderPaid('o-1'));
    await seen.until((values) => values.some((v) => v.event === 'async LoyaltyCredited'), 'the end of the chain');

    const ctx = (event: string) => seen.values.find((v) => v.event === event)!.ctx;
    expect(ctx('sync OrderPaid')).toMatchObject({
      eventId: paid.eventId,
      correlationId: paid.eventId,
      causationId: undefined,
    });
    expect(ctx('sync PaymentChecked')).toMatchObject({ correlationId: paid.eventId, causationId: paid.eventId });
    expect(ctx('async OrderPaid')).toMatchObject({
      eventId: paid.eventId,
      correlationId: paid.eventId,
      causationId: undefined,
    });
    const receipt = ctx('async ReceiptSent');
    expect(receipt).toMatchObject({ correlationId: paid.eventId, causationId: paid.eventId });
    expect(ctx('async LoyaltyCredited')).toMatchObject({ correlationId: paid.eventId, causationId: receipt.eventId });
    expect(receipt.eventId > paid.eventId).toBe(true);
  });
});
