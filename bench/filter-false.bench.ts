/**
 * Scenario 7: a publish whose only async handler's filter returns false sends no Redis command. Counted from INFO
 * commandstats before and after (nothing else runs meanwhile); a control publish with a passing filter shows the
 * counter sees the bus's writes.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { BusEvent, EventBus, EventBusModule, OnEventAsync } from 'nestjs-durable-bus';
import { commandsExecuted, deletePrefix, freshPrefix } from './support/redis-tools';
import { Scenario } from './support/scenario';

@BusEvent('bench.price-changed')
class PriceChanged {
  constructor(
    readonly sku: string,
    readonly price: number,
  ) {}
}

@Injectable()
class PriceHandlers {
  @OnEventAsync(PriceChanged, { id: 'bench.reprice', filter: (event) => event.price < 0 })
  async reprice() {}
}

export const filterFalse: Scenario = async ({ quick, redisUrl }) => {
  const events = quick ? 1_000 : 10_000;
  const prefix = freshPrefix('filter');
  @Module({
    imports: [EventBusModule.forRoot({ connection: redisUrl, prefix, role: 'publisher', logManifest: false })],
    providers: [PriceHandlers],
  })
  class FilterApp {}
  const app = await NestFactory.createApplicationContext(FilterApp, { logger: ['error', 'warn'] });
  await app.init();
  const bus = app.get(EventBus);
  const stats = new Redis(redisUrl);
  try {
    await bus.publish(new PriceChanged('warm-up', -1)); // the connection is open and the scripts loaded
    const before = await commandsExecuted(stats);
    for (let i = 0; i < events; i++) await bus.publish(new PriceChanged(`sku-${i}`, i));
    const filtered = (await commandsExecuted(stats)) - before;
    const beforeControl = await commandsExecuted(stats);
    await bus.publish(new PriceChanged('control', -1));
    const control = (await commandsExecuted(stats)) - beforeControl;
    if (control === 0) throw new Error('scenario 7: the control publish sent no command; the counter is blind');
    return [
      {
        id: '7',
        scenario: 'publish with filter = false: Redis commands',
        ours: `${events.toLocaleString('en-US')} publishes`,
        unit: 'commands',
        value: filtered,
        goal: { op: '=', value: 0 },
        note: `INFO commandstats delta; a control publish with a passing filter sent ${control} command(s)`,
      },
    ];
  } finally {
    await stats.quit();
    await app.close();
    await deletePrefix(redisUrl, prefix);
  }
};
