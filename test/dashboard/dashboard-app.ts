import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, INestApplication, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BusEvent, EventBus, EventBusModule, EventBusRole, OnEventAsync } from 'nestjs-durable-bus';
import { EventBusDashboardModule, EventBusDashboardOptions } from 'nestjs-durable-bus/dashboard';
import { freshPrefix, redisUrl } from '../support/bus-app';

@BusEvent('shop.order-placed', { partitionKey: 'orderId' })
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly total: number,
    readonly placedAt: Date,
  ) {}
}

@BusEvent('shop.newsletter-signup')
export class NewsletterSignup {
  constructor(readonly email: string) {}
}

@Injectable()
export class ShopHandlers {
  @OnEventAsync(OrderPlaced, { id: 'billing.issue-invoice', lanes: 2 })
  issueInvoice(_event: OrderPlaced) {}

  @OnEventAsync(NewsletterSignup, { id: 'mailing.welcome' })
  welcome(_event: NewsletterSignup) {}
}

@BusEvent('billing.payment-captured', { partitionKey: 'orderId' })
export class PaymentCaptured {
  constructor(
    readonly orderId: string,
    readonly amount: number,
  ) {}
}

@BusEvent('mailing.receipt-requested')
export class ReceiptRequested {
  constructor(readonly email: string) {}
}

/**
 * Handlers whose jobs fail, to fill the failed sets: a partitioned one (one lane, parks the key of a payment it
 * cannot settle) and a plain one (fails while the mail server is down).
 */
@Injectable()
export class FailingHandlers {
  mailServerDown = true;

  @OnEventAsync(PaymentCaptured, { id: 'billing.settle-payment', lanes: 1, attempts: 1, onExhausted: 'park' })
  settle(event: PaymentCaptured) {
    if (event.amount < 0) throw new Error(`cannot settle a negative amount for ${event.orderId}`);
  }

  @OnEventAsync(ReceiptRequested, { id: 'mailing.send-receipt', attempts: 1 })
  sendReceipt(event: ReceiptRequested) {
    if (this.mailServerDown) throw new Error('mail server down');
    return { sent: event.email };
  }
}

export const CREDENTIALS = { username: 'ops', password: 'correct horse battery staple' };

/** Queues the dashboard must show: each handler's queue and each lane of the partitioned one. */
export const EXPECTED_QUEUES = [
  'billing.issue-invoice',
  '{billing.issue-invoice.lane-0}',
  '{billing.issue-invoice.lane-1}',
  'mailing.welcome',
];

export interface DashboardApp {
  readonly app: INestApplication;
  readonly bus: EventBus;
  readonly url: string;
  readonly prefix: string;
}

/** What runs next to the dashboard: by default {@link ShopHandlers} in a publisher-only bus. */
export interface DashboardAppOptions {
  /** Default `'publisher'`: jobs stay waiting, so the board has jobs to show. */
  readonly role?: EventBusRole;
  /** Default `[ShopHandlers]`. */
  readonly providers?: Provider[];
}

/**
 * A real HTTP app (Express) with the bus (by default a publisher, see {@link DashboardAppOptions}) and the dashboard,
 * listening on a free loopback port.
 */
export async function startDashboardApp(
  dashboard: EventBusDashboardOptions = { route: '/queues', auth: CREDENTIALS },
  { role = 'publisher', providers = [ShopHandlers] }: DashboardAppOptions = {},
): Promise<DashboardApp> {
  const prefix = freshPrefix();
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventBusModule.forRoot({ connection: redisUrl(), prefix, role, logManifest: false }),
      EventBusDashboardModule.forRoot(dashboard),
    ],
    providers,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const address = server.address() as AddressInfo;
  return { app, bus: app.get(EventBus), url: `http://127.0.0.1:${address.port}`, prefix };
}

/** The Authorization header of HTTP basic auth. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
