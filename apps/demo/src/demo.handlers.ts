import { Injectable, Logger } from '@nestjs/common';
import { EventBus, EventContext, OnEvent, OnEventAsync } from 'nestjs-durable-bus';
import { InvoiceIssued, OrderPlaced } from './demo.events';

/** Orders: a sync handler that guards an invariant inside the publisher's call. */
@Injectable()
export class OrdersPolicies {
  @OnEvent(OrderPlaced)
  refuseEmptyOrders(event: OrderPlaced) {
    if (event.totalCents < 0n) throw new Error(`order ${event.orderId} has a negative total`);
  }
}

/** Finances: a durable handler that issues an invoice and publishes a follow-up event. */
@Injectable()
export class FinancesHandlers {
  private readonly logger = new Logger('finances');
  private failuresLeft = 2;

  constructor(private readonly bus: EventBus) {}

  @OnEventAsync(OrderPlaced, { id: 'finances.issue-invoice', filter: (event) => event.totalCents > 0n, backoff: 200 })
  async issueInvoice(event: OrderPlaced, ctx: EventContext) {
    if (event.orderId === 'o-flaky' && this.failuresLeft-- > 0) {
      this.logger.warn(`attempt ${ctx.attempt} for ${event.orderId}: payment provider timed out (retrying)`);
      throw new Error('payment provider timed out');
    }
    this.logger.log(`invoice for ${event.orderId}: ${event.totalCents} cents (attempt ${ctx.attempt})`);
    await this.bus.publish(new InvoiceIssued(`inv-${event.orderId}`, event.orderId, event.totalCents));
  }
}

/** Audit: records every event of the other contexts. */
@Injectable()
export class AuditHandlers {
  private readonly logger = new Logger('audit');
  readonly entries: string[] = [];

  @OnEventAsync(OrderPlaced, { id: 'audit.order-placed' })
  @OnEventAsync(InvoiceIssued, { id: 'audit.invoice-issued' })
  async record(_event: OrderPlaced | InvoiceIssued, ctx: EventContext) {
    const line = `${ctx.eventName} ${ctx.eventId} (correlation ${ctx.correlationId}, caused by ${ctx.causationId ?? '-'})`;
    this.entries.push(line);
    this.logger.log(line);
  }
}
