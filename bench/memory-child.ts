/**
 * Child process of scenario 6: `node --expose-gc -r @swc-node/register bench/memory-child.ts <events>` publishes
 * that many events with one async handler on the in-memory transport (64 at a time, letting the handlers catch up
 * every 10,000), waits until idle, forces GC and prints `{"rss":…,"heapUsed":…}` on stdout.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusModule, OnEventAsync } from 'nestjs-durable-bus';
import { EVENT_TRANSPORT, InMemoryTransport } from 'nestjs-durable-bus/transport';
import { BenchOrderPlaced, orderPlaced } from './support/bench-events';

@Injectable()
class Handler {
  handled = 0;

  @OnEventAsync(BenchOrderPlaced, { id: 'bench.memory' })
  async handle() {
    this.handled++;
  }
}

@Module({
  imports: [EventBusModule.forRoot({ transport: 'in-memory', logManifest: false })],
  providers: [Handler],
})
class MemoryApp {}

async function main(): Promise<void> {
  const events = Number(process.argv[2]);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const app = await NestFactory.createApplicationContext(MemoryApp, { logger: ['error', 'warn'] });
  await app.init();
  const bus = app.get(EventBus);
  const transport = app.get<InMemoryTransport>(EVENT_TRANSPORT);
  for (let start = 0; start < events; start += 64) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(events, start + 64); i++) batch.push(bus.publish(orderPlaced(i)));
    await Promise.all(batch);
    if ((start + 64) % 10_048 < 64) await transport.whenIdle();
  }
  await transport.whenIdle();
  const handled = app.get(Handler).handled;
  if (handled !== events) throw new Error(`handled ${handled} of ${events} events`);
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss, heapUsed })}\n`);
  await app.close();
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
