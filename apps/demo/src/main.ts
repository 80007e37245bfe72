/**
 * Placeholder demo (the full orders → finances → audit app with HTTP API and dashboard comes later): starts Redis
 * if needed, boots a Nest app with the bus, places three orders and prints what each context does.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusModule } from 'nestjs-durable-bus';
import { startLocalRedis } from '../../../tools/local-redis';
import { OrderPlaced } from './demo.events';
import { AuditHandlers, FinancesHandlers, OrdersPolicies } from './demo.handlers';

async function main() {
  const redis = await startLocalRedis();
  @Module({
    imports: [EventBusModule.forRoot({ connection: redis.url, prefix: 'demo' })],
    providers: [OrdersPolicies, FinancesHandlers, AuditHandlers],
  })
  class DemoModule {}

  const app = await NestFactory.createApplicationContext(DemoModule);
  const bus = app.get(EventBus);
  const audit = app.get(AuditHandlers);
  console.log(`\nRedis: ${redis.url}. Placing three orders...\n`);
  await bus.publish(new OrderPlaced('o-1', 'c-1', 1999n, new Date()));
  await bus.publish(new OrderPlaced('o-free', 'c-2', 0n, new Date()));
  await bus.publish(new OrderPlaced('o-flaky', 'c-3', 4200n, new Date()));
  await bus.publish(new OrderPlaced('o-bad', 'c-4', -1n, new Date())).catch((error: Error) => {
    console.log(`\nRefused at publish, nothing dispatched: ${error.message}\n`);
  });

  // 3 order audits + 2 invoice audits (the zero-total order is filtered out of finances).
  while (audit.entries.length < 5) await new Promise((resolve) => setTimeout(resolve, 50));
  console.log('\nAll handlers done. Audit log:');
  for (const entry of audit.entries) console.log(`  ${entry}`);
  await app.close();
  await redis.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
