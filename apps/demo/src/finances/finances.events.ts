import { BusEvent } from 'nestjs-durable-bus';

@BusEvent('finances.invoice-issued', { partitionKey: 'orderId' })
export class InvoiceIssued {
  constructor(
    readonly invoiceId: string,
    readonly orderId: string,
    readonly customerId: string,
    readonly amountCents: bigint,
  ) {}
}

@BusEvent('finances.invoice-voided', { partitionKey: 'orderId' })
export class InvoiceVoided {
  constructor(
    readonly invoiceId: string,
    readonly orderId: string,
    readonly reason: string,
  ) {}
}
