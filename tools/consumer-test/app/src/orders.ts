import { Injectable, Module } from '@nestjs/common';
import { BusEvent, EventBus, EventBusModule, OnEventAsync } from 'nestjs-durable-bus';

@BusEvent('shop.order-placed')
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly placedAt: Date,
  ) {}
}

@Injectable()
export class OrdersService {
  constructor(private readonly bus: EventBus) {}

  async place(orderId: string): Promise<void> {
    await this.bus.publish(new OrderPlaced(orderId, new Date('2026-01-01T00:00:00Z')));
  }
}

@Injectable()
export class InvoicesHandler {
  readonly invoiced: string[] = [];

  @OnEventAsync(OrderPlaced, { id: 'finances.invoice' })
  invoice(event: OrderPlaced): { invoiced: string } {
    this.invoiced.push(event.orderId);
    return { invoiced: event.orderId };
  }
}

@Module({
  imports: [EventBusModule.forRoot({ transport: 'in-memory', logManifest: false })],
  providers: [OrdersService, InvoicesHandler],
})
export class AppModule {}
