import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { OnEvent } from 'nestjs-durable-bus';
import { OrderPlaced } from './orders.events';

/** A customer's open (placed or paid, not cancelled) orders may not exceed this total. */
export const CREDIT_LIMIT_CENTS = 100_000n;

/**
 * An invariant that must hold with the write: a sync handler, run inside the placing transaction. It sees the new
 * order (same transaction); when it throws, the publish fails, the transaction rolls back and the request fails.
 */
@Injectable()
export class CreditLimitPolicy {
  constructor(private readonly db: TransactionHost<TransactionalAdapterTypeOrm>) {}

  @OnEvent(OrderPlaced)
  async enforce(event: OrderPlaced) {
    const [row] = await this.db.tx.query<{ open: string }[]>(
      `SELECT COALESCE(SUM(total_cents), 0)::text AS open FROM orders WHERE customer_id = $1 AND status <> 'cancelled'`,
      [event.customerId],
    );
    const open = row?.open ?? '0';
    if (BigInt(open) > CREDIT_LIMIT_CENTS) {
      throw new UnprocessableEntityException(
        `credit limit exceeded for customer ${event.customerId}: open orders ${open} cents > ${CREDIT_LIMIT_CENTS} cents`,
      );
    }
  }
}
