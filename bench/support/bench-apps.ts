import { DynamicModule, INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusModule, EventBusModuleOptions, OnEventAsync } from 'nestjs-durable-bus';
import { BenchOrderPlaced } from './bench-events';

/** Counts every async job handled; `onHandled` lets a sample wait for the last one. */
@Injectable()
export class OrderHandlers {
  onHandled: () => void = () => undefined;

  @OnEventAsync(BenchOrderPlaced, { id: 'bench.invoice' })
  async invoice() {
    this.onHandled();
  }

  @OnEventAsync(BenchOrderPlaced, { id: 'bench.ship' })
  async ship() {
    this.onHandled();
  }

  @OnEventAsync(BenchOrderPlaced, { id: 'bench.audit' })
  async audit() {
    this.onHandled();
  }
}

/** A Nest application context with the bus (these options) and the three async handlers of BenchOrderPlaced. */
export async function orderApp(
  options: EventBusModuleOptions,
): Promise<{ app: INestApplicationContext; bus: EventBus; handlers: OrderHandlers }> {
  @Module({ providers: [OrderHandlers] })
  class HandlersModule {}
  const root: DynamicModule = {
    module: class BenchAppModule {},
    imports: [EventBusModule.forRoot({ logManifest: false, ...options }), HandlersModule],
  };
  const app = await NestFactory.createApplicationContext(root, { logger: ['error', 'warn'] });
  await app.init();
  return { app, bus: app.get(EventBus), handlers: app.get(OrderHandlers) };
}
