import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Transactional, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { EventBus } from 'nestjs-durable-bus';
import { OrderRecord } from './order.entity';
import { OrderCancelled, OrderLine, OrderPaid, OrderPlaced } from './orders.events';

export interface PlaceOrderInput {
  readonly customerId: string;
  readonly lines: readonly { readonly sku: string; readonly quantity: number; readonly unitPriceCents: number }[];
}

/**
 * The orders context's commands: one transaction each, the event published inside it. Sync handlers (the credit
 * limit) run in the same transaction; async handlers get the event only after commit (through the outbox).
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly db: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly bus: EventBus,
  ) {}

  @Transactional()
  async place(input: PlaceOrderInput): Promise<OrderRecord> {
    const lines = input.lines.map((line) => new OrderLine(line.sku, line.quantity, BigInt(line.unitPriceCents)));
    const total = lines.reduce((sum, line) => sum + line.unitPriceCents * BigInt(line.quantity), 0n);
    const order = this.orders().create({
      id: `o-${randomUUID().slice(0, 8)}`,
      customerId: input.customerId,
      totalCents: total.toString(),
      lines: lines.map((line) => ({ ...line, unitPriceCents: line.unitPriceCents.toString() })),
      status: 'placed',
    });
    await this.orders().save(order);
    const saved = await this.get(order.id);
    await this.bus.publish(new OrderPlaced(order.id, input.customerId, lines, total, saved.placedAt));
    return saved;
  }

  @Transactional()
  async pay(orderId: string): Promise<OrderRecord> {
    const order = await this.get(orderId);
    if (order.status !== 'placed') throw new ConflictException(`order ${orderId} is ${order.status}, not placed`);
    await this.orders().update({ id: orderId }, { status: 'paid' });
    await this.bus.publish(new OrderPaid(orderId, new Date()));
    return this.get(orderId);
  }

  @Transactional()
  async cancel(orderId: string, reason: string): Promise<OrderRecord> {
    const order = await this.get(orderId);
    if (order.status === 'cancelled') throw new ConflictException(`order ${orderId} is already cancelled`);
    await this.orders().update({ id: orderId }, { status: 'cancelled' });
    await this.bus.publish(new OrderCancelled(orderId, reason, new Date()));
    return this.get(orderId);
  }

  list(): Promise<OrderRecord[]> {
    return this.orders().find({ order: { placedAt: 'DESC' }, take: 100 });
  }

  async get(orderId: string): Promise<OrderRecord> {
    const order = await this.orders().findOneBy({ id: orderId });
    if (!order) throw new NotFoundException(`order ${orderId} does not exist`);
    return order;
  }

  private orders() {
    return this.db.tx.getRepository(OrderRecord);
  }
}
