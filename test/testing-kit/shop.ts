import { Injectable } from '@nestjs/common';
import { BusEvent, BusType, EventBus, EventContext, OnEvent, OnEventAsync } from 'nestjs-durable-bus';
import { Recorder } from '../support/deferred';

@BusType('kit.address')
export class Address {
  constructor(
    readonly city: string,
    readonly zip: string,
  ) {}
}

@BusEvent('kit.order-created', { partitionKey: 'orderId' })
export class OrderCreated {
  constructor(
    readonly orderId: string,
    readonly total: number,
    readonly shipTo: Address = new Address('Lyon', '69001'),
    readonly createdAt: Date = new Date('2026-03-01T10:00:00Z'),
  ) {}
}

@BusEvent('kit.invoice-issued')
export class InvoiceIssued {
  constructor(
    readonly orderId: string,
    readonly amount: number,
  ) {}
}

@BusEvent('kit.order-audited')
export class OrderAudited {
  constructor(readonly orderId: string) {}
}

/** Side effects of the handlers, for assertions. */
export const effects = new Recorder<{
  handler: string;
  orderId: string;
  attempt: number;
  isCopy: boolean;
  createdAt: unknown;
}>();

/** The last instance published, to tell a decoded copy from the original. */
export const lastPublished: { order?: OrderCreated } = {};

@Injectable()
export class OrdersService {
  constructor(private readonly bus: EventBus) {}

  async create(orderId: string, total: number): Promise<OrderCreated> {
    const event = new OrderCreated(orderId, total);
    lastPublished.order = event;
    await this.bus.publish(event);
    return event;
  }
}

@Injectable()
export class FinancesHandlers {
  constructor(private readonly bus: EventBus) {}

  @OnEventAsync(OrderCreated, { id: 'finances.issue-invoice', filter: (event) => event.total > 0 })
  async issueInvoice(event: OrderCreated, ctx: EventContext) {
    effects.push({
      handler: ctx.handlerId,
      orderId: event.orderId,
      attempt: ctx.attempt,
      isCopy: event !== lastPublished.order && event instanceof OrderCreated,
      createdAt: event.createdAt,
    });
    if (event.orderId === 'o-broken') throw new Error('ledger unavailable');
    await this.bus.publish(new InvoiceIssued(event.orderId, event.total));
    return { invoiceFor: event.orderId };
  }

  @OnEventAsync(OrderCreated, { id: 'finances.reserve-credit' })
  async reserveCredit(event: OrderCreated, ctx: EventContext) {
    effects.push({ handler: ctx.handlerId, orderId: event.orderId, attempt: ctx.attempt, isCopy: true, createdAt: 0 });
  }
}

@Injectable()
export class AuditHandlers {
  @OnEvent(OrderCreated)
  checkOrder(event: OrderCreated) {
    if (event.total < 0) throw new Error('negative total');
  }

  @OnEventAsync(InvoiceIssued, { id: 'audit.invoice-issued' })
  async invoiceIssued(event: InvoiceIssued, ctx: EventContext) {
    effects.push({ handler: ctx.handlerId, orderId: event.orderId, attempt: ctx.attempt, isCopy: true, createdAt: 0 });
  }
}

export const shopProviders = [OrdersService, FinancesHandlers, AuditHandlers];
