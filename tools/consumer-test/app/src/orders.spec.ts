import { NestFactory } from '@nestjs/core';
import { outboxMigrationSql } from 'nestjs-durable-bus/postgres';
import { EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';
import { InMemoryTransport, laneOf } from 'nestjs-durable-bus/transport';
import type { EventTransport } from 'nestjs-durable-bus/transport';
import { AppModule, InvoicesHandler, OrderPlaced, OrdersService } from './orders';

setupEventBusTesting();

describe('an app on the in-memory transport', () => {
  it('publish is recorded: expectPublished', async () => {
    const kit = await EventBusTestingModule.create({ imports: [AppModule], transport: 'app' });
    await kit.get(OrdersService).place('o-1');
    kit.expectPublished(OrderPlaced, { orderId: 'o-1' });
    await kit.drain();
    expect(kit.get(InvoicesHandler).invoiced).toEqual(['o-1']);
    await kit.close();
  });

  it('runEvent runs one handler on a decoded copy', async () => {
    const kit = await EventBusTestingModule.create({ imports: [AppModule] });
    const outcome = await kit.runEvent(new OrderPlaced('o-2', new Date()), 'finances.invoice');
    expect(outcome).toEqual({ status: 'ok', handlerId: 'finances.invoice', result: { invoiced: 'o-2' } });
    await kit.close();
  });

  it('boots with NestFactory and runs the async handler in process', async () => {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await app.get(OrdersService).place('o-3');
    const handler = app.get(InvoicesHandler);
    for (let i = 0; i < 100 && handler.invoiced.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(handler.invoiced).toEqual(['o-3']);
    await app.close();
  });
});

describe('the entry points for implementers', () => {
  it('nestjs-durable-bus/transport and /postgres resolve, with their types, without bullmq or pg installed', () => {
    const contract: EventTransport = new InMemoryTransport();
    expect(contract.name).toBe('in-memory');
    expect(laneOf('order-1', 8)).toBe(laneOf('order-1', 8));
    expect(outboxMigrationSql()).toContain('CREATE TABLE');
  });
});
