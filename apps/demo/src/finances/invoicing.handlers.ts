import { Injectable, Logger } from '@nestjs/common';
import { Transactional, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { EventBus, EventContext, OnEventAsync } from 'nestjs-durable-bus';
import { OrderCancelled, OrderPlaced } from '../orders/orders.events';
import { InvoiceIssued, InvoiceVoided } from './finances.events';
import { InvoiceRecord } from './invoice.entity';

/** Issuing and voiding share a lane group: per order, a void is never handled before its invoice exists. */
const INVOICES = { group: 'finances.invoices', lanes: 8, attempts: 3, backoff: 1_000 } as const;

/**
 * Finances reacts to orders: invoices placed orders (not free ones), voids the invoice of a cancelled order, and
 * e-mails issued invoices. Customers named `flaky-…` make invoicing fail twice before it works (retried in place);
 * customers named `doomed-…` make the e-mail fail until its attempts run out (the job lands in the failed set,
 * where the dashboard's retry button runs it again, and the retry succeeds).
 */
@Injectable()
export class InvoicingHandlers {
  private readonly logger = new Logger('finances');

  constructor(
    private readonly db: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly bus: EventBus,
  ) {}

  @OnEventAsync(OrderPlaced, { id: 'finances.issue-invoice', filter: (event) => event.totalCents > 0n, ...INVOICES })
  @Transactional()
  async issueInvoice(event: OrderPlaced, ctx: EventContext) {
    if (event.customerId.startsWith('flaky') && ctx.attempt <= 2) {
      throw new Error(`payment provider timed out (attempt ${ctx.attempt} of ${ctx.maxAttempts})`);
    }
    const invoiceId = `inv-${event.orderId}`;
    // Idempotent on the order: a redelivered event finds the invoice and publishes nothing new.
    const inserted = await this.db.tx.query<{ id: string }[]>(
      `INSERT INTO invoices (id, order_id, customer_id, amount_cents, status) VALUES ($1, $2, $3, $4, 'issued')
       ON CONFLICT (order_id) DO NOTHING RETURNING id`,
      [invoiceId, event.orderId, event.customerId, event.totalCents.toString()],
    );
    if (inserted.length === 0) return { invoiceId, alreadyIssued: true };
    await this.bus.publish(new InvoiceIssued(invoiceId, event.orderId, event.customerId, event.totalCents));
    this.logger.log(`issued ${invoiceId} for ${event.totalCents} cents (attempt ${ctx.attempt})`);
    return { invoiceId };
  }

  @OnEventAsync(OrderCancelled, { id: 'finances.void-invoice', ...INVOICES })
  @Transactional()
  async voidInvoice(event: OrderCancelled) {
    const invoice = await this.invoices().findOneBy({ orderId: event.orderId });
    if (!invoice || invoice.status === 'void') return { voided: false };
    await this.invoices().update({ id: invoice.id }, { status: 'void' });
    await this.bus.publish(new InvoiceVoided(invoice.id, event.orderId, event.reason));
    return { voided: invoice.id };
  }

  @OnEventAsync(InvoiceIssued, { id: 'finances.email-invoice', partitionBy: false, attempts: 3, backoff: 500 })
  async emailInvoice(event: InvoiceIssued, ctx: EventContext) {
    if (event.customerId.startsWith('doomed') && ctx.attempt <= 3) {
      throw new Error(`mail server rejected the invoice e-mail for ${event.customerId} (attempt ${ctx.attempt})`);
    }
    await this.invoices().update({ id: event.invoiceId }, { emailedAt: new Date() });
    return { emailed: event.invoiceId, attempt: ctx.attempt };
  }

  private invoices() {
    return this.db.tx.getRepository(InvoiceRecord);
  }
}
