import { BusEvent } from 'nestjs-durable-bus';

@BusEvent('orders.order-placed', { partitionKey: 'orderId' })
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly totalCents: bigint,
    readonly placedAt: Date,
  ) {}
}

@BusEvent('finances.invoice-issued', { partitionKey: 'orderId' })
export class InvoiceIssued {
  constructor(
    readonly invoiceId: string,
    readonly orderId: string,
    readonly amountCents: bigint,
  ) {}
}
