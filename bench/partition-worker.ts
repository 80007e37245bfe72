/** A worker process of scenario 4: `MODE=partitioned|unpartitioned`, consumes `bench.post` until SIGTERM. */
import 'reflect-metadata';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBusModule } from 'nestjs-durable-bus';
import { PartitionedModule, UnpartitionedModule } from './support/partition-handlers';

async function main() {
  const root: DynamicModule = {
    module: class PartitionWorkerModule {},
    imports: [
      EventBusModule.forRoot({
        connection: process.env.REDIS_URL!,
        prefix: process.env.BUS_PREFIX!,
        role: 'consumer',
        logManifest: false,
      }),
      process.env.MODE === 'partitioned' ? PartitionedModule : UnpartitionedModule,
    ],
  };
  const app = await NestFactory.createApplicationContext(root, { logger: ['error'] });
  app.enableShutdownHooks();
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
