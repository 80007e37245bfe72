import { Injectable } from '@nestjs/common';
import { BusEvent, EventBus, EventContext, OnEvent, OnEventAsync } from 'nestjs-durable-bus';
import { EventBusTestKit, EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';

setupEventBusTesting();

@BusEvent('precedence.payment-received')
class PaymentReceived {
  constructor(readonly paymentId: string) {}
}

@BusEvent('precedence.receipt-sent')
class ReceiptSent {
  constructor(readonly via: 'publish' | 'runEvent') {}
}

interface Chain {
  readonly via: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
}
const chains: Chain[] = [];
let kit: EventBusTestKit;

@Injectable()
class Receipts {
  constructor(private readonly bus: EventBus) {}

  /** Inside a handler, an event is published and one is run by the kit, each asking for a chain of its own. */
  @OnEvent(PaymentReceived, { id: 'receipts.on-payment' })
  async onPayment() {
    await this.bus.publish(new ReceiptSent('publish'), { correlationId: 'asked-for' });
    await kit.runEvent(new ReceiptSent('runEvent'), 'receipts.record', { correlationId: 'asked-for' });
  }

  @OnEventAsync(ReceiptSent, { id: 'receipts.record' })
  record(event: ReceiptSent, ctx: EventContext) {
    chains.push({ via: event.via, correlationId: ctx.correlationId, causationId: ctx.causationId });
  }
}

/** The testing kit builds envelopes as publish does (they once differed on which correlation id wins). */
describe('correlation and causation: the testing kit and publish agree', () => {
  beforeEach(async () => {
    chains.length = 0;
    kit = await EventBusTestingModule.create({ providers: [Receipts], mode: 'inline' });
  });

  it('inside a handler, both continue the handled event’s chain (the correlationId option starts chains only)', async () => {
    const payment = await kit.bus.publish(new PaymentReceived('p-1'), { correlationId: 'request-7' });

    const continued = { correlationId: 'request-7', causationId: payment.eventId };
    expect(chains).toEqual([
      { via: 'publish', ...continued },
      { via: 'runEvent', ...continued },
    ]);
  });

  it('outside a handler, both start the chain with the correlationId given', async () => {
    await kit.bus.publish(new ReceiptSent('publish'), { correlationId: 'request-8' });
    await kit.runEvent(new ReceiptSent('runEvent'), 'receipts.record', { correlationId: 'request-8' });

    expect(chains).toEqual([
      { via: 'publish', correlationId: 'request-8', causationId: undefined },
      { via: 'runEvent', correlationId: 'request-8', causationId: undefined },
    ]);
  });
});
