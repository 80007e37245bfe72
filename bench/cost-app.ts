/**
 * The app `npm run bench:cost` measures, run as a process of its own: 50 async handlers, 10 of them partitioned (8
 * lanes each; `COST_LANES` another count, `COST_GROUP=1` the 10 in one lane group), `role: 'both'`. Prints
 * `booted <ms>` once the app is up, then answers `measure` on IPC with its RSS and CPU time, and stops on SIGTERM.
 */
import 'reflect-metadata';
import { DynamicModule, Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BusEvent, EventBusModule, OnEventAsync } from 'nestjs-durable-bus';

export const HANDLERS = 50;
export const PARTITIONED = 10;
export const LANES = 8;

@BusEvent('cost.account-posted', { partitionKey: 'accountId' })
class CostAccountPosted {
  constructor(readonly accountId: string) {}
}

/** One provider with a handler method per async handler, decorated in a loop (the decorators are plain functions). */
@Injectable()
class CostHandlers {}

const prototype = CostHandlers.prototype as unknown as Record<string, () => Promise<void>>;
for (let i = 0; i < HANDLERS; i++) {
  const method = `handle${i}`;
  prototype[method] = async () => undefined;
  const partitioned = i < PARTITIONED;
  const lanes = Number(process.env.COST_LANES ?? LANES);
  const group = process.env.COST_GROUP === '1' ? { group: 'cost.accounts' } : {};
  const options = partitioned
    ? { id: `cost.h${i}`, lanes, ...group }
    : { id: `cost.h${i}`, partitionBy: false as const };
  OnEventAsync(CostAccountPosted, options)(prototype, method, Object.getOwnPropertyDescriptor(prototype, method)!);
}

async function main(): Promise<void> {
  const started = performance.now();
  const root: DynamicModule = {
    module: class CostAppModule {},
    imports: [
      EventBusModule.forRoot({
        connection: process.env.REDIS_URL!,
        prefix: process.env.BUS_PREFIX!,
        logManifest: false,
      }),
    ],
    providers: [CostHandlers],
  };
  const app = await NestFactory.createApplicationContext(root, { logger: ['error'] });
  app.enableShutdownHooks();
  process.stdout.write(`booted ${Math.round(performance.now() - started)}\n`);
  process.on('message', (message) => {
    if (message !== 'measure') return;
    const cpu = process.cpuUsage();
    process.send?.({ rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system });
  });
}

// Only when run as the app's process (bench/cost.ts imports the constants above).
if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
