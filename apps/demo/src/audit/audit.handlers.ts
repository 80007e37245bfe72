import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { EventContext, OnEventAsync } from 'nestjs-durable-bus';
import { InvoiceIssued, InvoiceVoided } from '../finances/finances.events';
import { OrderCancelled, OrderPaid, OrderPlaced } from '../orders/orders.events';
import { AuditEntry } from './audit-entry.entity';

type Audited = OrderPlaced | OrderPaid | OrderCancelled | InvoiceIssued | InvoiceVoided;

/** Audit: one row per event of the orders and finances contexts (idempotent on the event id). */
@Injectable()
export class AuditHandlers {
  constructor(private readonly db: TransactionHost<TransactionalAdapterTypeOrm>) {}

  @OnEventAsync(OrderPlaced, { id: 'audit.order-placed', partitionBy: false })
  @OnEventAsync(OrderPaid, { id: 'audit.order-paid', partitionBy: false })
  @OnEventAsync(OrderCancelled, { id: 'audit.order-cancelled', partitionBy: false })
  @OnEventAsync(InvoiceIssued, { id: 'audit.invoice-issued', partitionBy: false })
  @OnEventAsync(InvoiceVoided, { id: 'audit.invoice-voided', partitionBy: false })
  async record(event: Audited, ctx: EventContext) {
    await this.db.tx
      .getRepository(AuditEntry)
      .createQueryBuilder()
      .insert()
      .values({
        eventId: ctx.eventId,
        eventName: ctx.eventName,
        correlationId: ctx.correlationId,
        causationId: ctx.causationId ?? null,
        subject: 'invoiceId' in event ? event.invoiceId : event.orderId,
      })
      .orIgnore()
      .execute();
  }
}
