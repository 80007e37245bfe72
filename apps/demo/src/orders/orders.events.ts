import { BusEvent, BusType } from 'nestjs-durable-bus';

/** A line of an order, carried inside the events (restored as an instance on every handler). */
@BusType('orders.order-line')
export class OrderLine {
  constructor(
    readonly sku: string,
    readonly quantity: number,
    readonly unitPriceCents: bigint,
  ) {}
}

/** Published by the orders context when an order is placed (inside the placing transaction). */
@BusEvent('orders.order-placed', { partitionKey: 'orderId' })
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly lines: OrderLine[],
    readonly totalCents: bigint,
    readonly placedAt: Date,
  ) {}
}

@BusEvent('orders.order-paid', { partitionKey: 'orderId' })
export class OrderPaid {
  constructor(
    readonly orderId: string,
    readonly paidAt: Date,
  ) {}
}

@BusEvent('orders.order-cancelled', { partitionKey: 'orderId' })
export class OrderCancelled {
  constructor(
    readonly orderId: string,
    readonly reason: string,
    readonly cancelledAt: Date,
  ) {}
}
