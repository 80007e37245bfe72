/** The handlers of the tracing test, shared by its publisher and worker processes. */
import { Injectable, Module } from '@nestjs/common';
import { BusEvent, OnEvent, OnEventAsync, OnEventBroadcast } from 'nestjs-durable-bus';

@BusEvent('traced.order-placed', { partitionKey: (event: OrderPlaced) => event.orderId })
export class OrderPlaced {
  constructor(readonly orderId: string) {}
}

@Injectable()
export class TracedHandlers {
  private tries = 0;

  @OnEvent(OrderPlaced, { id: 'traced.check-stock' })
  checkStock(): void {}

  /** Fails its first try, so the worker reports two CONSUMER spans (attempts 1 and 2). */
  @OnEventAsync(OrderPlaced, { id: 'traced.bill', attempts: 2, backoff: 0 })
  bill(): void {
    this.tries += 1;
    if (this.tries === 1) throw new Error('payment provider busy');
  }

  @OnEventBroadcast(OrderPlaced, { id: 'traced.notify' })
  notify(): void {}
}

@Module({ providers: [TracedHandlers] })
export class TracedHandlersModule {}
