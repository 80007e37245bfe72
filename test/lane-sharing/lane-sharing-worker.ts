/** A consuming process of the lane-sharing test (and bench): runs the partitioned handler until stopped. */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBusModule } from 'nestjs-durable-bus';
import { SharingModule } from './lane-sharing.handlers';

@Module({
  imports: [
    EventBusModule.forRoot({
      connection: process.env.REDIS_URL!,
      prefix: process.env.BUS_PREFIX!,
      role: 'consumer',
      logManifest: false,
      worker: {
        lockDuration: Number(process.env.LOCK_MS ?? 2_000),
        stalledInterval: Number(process.env.STALLED_MS ?? 30_000),
      },
    }),
    SharingModule,
  ],
})
class WorkerModule {}

async function main() {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  process.stdout.write('worker ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
