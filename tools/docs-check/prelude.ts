/**
 * What every TypeScript block of the docs may use without importing it (`npm run docs:check` prepends one import of
 * these names to each block, minus the names the block declares or imports itself): the usual imports, and the
 * small example domain the pages share (an order with lines and a Decimal total, its events, two repositories).
 * Imports of the library go through its public entry points only.
 */
import { Injectable, Module } from '@nestjs/common';
import { BusEvent, BusType, defineValueType, EventBus, EventContext, OnEventAsync } from 'nestjs-durable-bus';

// Nest, RxJS, the ORMs: the imports an app already has.
export { Controller, Injectable, MessageEvent, Module, Post, Body, Param, Sse } from '@nestjs/common';
export type { INestApplication } from '@nestjs/common';
export { ModuleRef, NestFactory } from '@nestjs/core';
export { Observable, map } from 'rxjs';
export { ClsModule } from 'nestjs-cls';
export { ClsPluginTransactional, InjectTransaction, Transactional, TransactionHost } from '@nestjs-cls/transactional';
export type { Transaction } from '@nestjs-cls/transactional';
export { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
export { TransactionalAdapterDrizzleOrm } from '@nestjs-cls/transactional-adapter-drizzle-orm';
export { TypeOrmModule } from '@nestjs/typeorm';
export { DataSource } from 'typeorm';

// The library's entry points.
export {
  BroadcastFeed,
  BusEvent,
  BusType,
  defineValueType,
  EventBus,
  EventBusConfigError,
  EventBusError,
  EventBusManifest,
  EventBusModule,
  EventBusOutbox,
  EventEncodingError,
  OnEvent,
  OnEventAsync,
  OnEventBroadcast,
  ParkedKeys,
  SyncHandlerError,
  UnrecoverableEventError,
  withEventBus,
} from 'nestjs-durable-bus';
export type {
  EventBusModuleOptions,
  EventBusRole,
  EventContext,
  HandlerInterceptor,
  InterceptedHandler,
  ValueType,
} from 'nestjs-durable-bus';
export type { EventTransport } from 'nestjs-durable-bus/transport';
export { EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';
export type { EventBusTestKit } from 'nestjs-durable-bus/testing';
export { EventBusDashboardModule } from 'nestjs-durable-bus/dashboard';
export { TypeOrmOutboxStore } from 'nestjs-durable-bus/typeorm';
export { DrizzleOutboxStore } from 'nestjs-durable-bus/drizzle';

/** Stands in for decimal.js / big.js: state that plain fields cannot express. */
export class Decimal {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  static of(text: string): Decimal {
    return new Decimal(text);
  }

  gt(other: number | Decimal): boolean {
    return Number(this.#text) > Number(other.toString());
  }

  toString(): string {
    return this.#text;
  }
}

/** The value type the pages register for {@link Decimal}. */
export const decimalType = defineValueType<Decimal, string>({
  name: 'decimal',
  isApplicable: (value): value is Decimal => value instanceof Decimal,
  serialize: (value) => value.toString(),
  deserialize: (json) => new Decimal(json),
});

export const LIMIT = 1_000;

/** Stands in for @nestjs/config's `ConfigService` (not a dependency of this repository). */
@Injectable()
export class ConfigService {
  getOrThrow(key: string): string {
    const value = process.env[key];
    if (value === undefined) throw new Error(`${key} is not set`);
    return value;
  }
}

/** Stands in for @nestjs/config's `ConfigModule`. */
@Module({ providers: [ConfigService], exports: [ConfigService] })
export class ConfigModule {}

@BusType('orders.order-line')
export class OrderLine {
  constructor(
    readonly sku: string,
    readonly quantity: number,
    readonly price: Decimal,
  ) {}
}

@BusEvent('orders.order-placed', { partitionKey: 'orderId' })
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly lines: OrderLine[],
    readonly total: Decimal,
    readonly placedAt: Date,
  ) {}
}

@BusEvent('orders.order-cancelled', { partitionKey: 'orderId' })
export class OrderCancelled {
  constructor(readonly orderId: string) {}
}

@BusEvent('finances.invoice-issued', { partitionKey: 'orderId' })
export class InvoiceIssued {
  constructor(
    readonly invoiceId: string,
    readonly orderId: string,
  ) {}
}

@BusEvent('catalog.price-changed')
export class PriceChanged {
  constructor(
    readonly sku: string,
    readonly price: Decimal,
  ) {}
}

export class CreditLimitExceeded extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} exceeds the credit limit`);
  }
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly lines: OrderLine[];
  readonly total: Decimal;
}

@Injectable()
export class OrdersRepository {
  find(_id: string): Promise<Order | undefined> {
    return Promise.resolve(undefined);
  }

  save(order: Order): Promise<Order> {
    return Promise.resolve(order);
  }
}

@Injectable()
export class InvoicesRepository {
  createOnce(_idempotencyKey: string, _order: Order): Promise<void> {
    return Promise.resolve();
  }

  findFor(_orderId: string): Promise<{ id: string } | undefined> {
    return Promise.resolve(undefined);
  }
}

@Injectable()
export class OrdersService {
  constructor(private readonly bus: EventBus) {}

  async place(orderId: string, customerId = 'c-1'): Promise<void> {
    void customerId;
    await this.bus.publish(new OrderPlaced(orderId, [], Decimal.of('0'), new Date()));
  }
}

@Injectable()
export class CustomersService {
  create(name: string): Promise<{ id: string; name: string }> {
    return Promise.resolve({ id: `c-${name}`, name });
  }
}

@Module({ providers: [OrdersService, OrdersRepository, CustomersService], exports: [OrdersService] })
export class OrdersModule {}

@Injectable()
export class FinancesHandlers {
  constructor(private readonly invoices: InvoicesRepository) {}

  @OnEventAsync(OrderPlaced, { id: 'finances.issue-invoice', filter: (event) => event.total.gt(0) })
  async issueInvoice(event: OrderPlaced, ctx: EventContext): Promise<void> {
    await this.invoices.createOnce(ctx.eventId, { id: event.orderId, customerId: '', lines: [], total: event.total });
  }
}

@Module({ providers: [InvoicesRepository, FinancesHandlers] })
export class FinancesModule {}

@Module({ imports: [OrdersModule, FinancesModule] })
export class AppModule {}
