/**
 * A worker process of the fault suite: consumes the fault handlers (plain and partitioned) on REDIS_URL under
 * BUS_PREFIX, with the worker options in FAULT_WORKER (JSON), until stopped or killed.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBusModule, EventWorkerOptions } from 'nestjs-durable-bus';
import { FaultHandlersModule } from './fault.handlers';

const worker = JSON.parse(process.env.FAULT_WORKER ?? '{}') as EventWorkerOptions;

@Module({
  imports: [
    EventBusModule.forRoot({
      connection: process.env.REDIS_URL!,
      prefix: process.env.BUS_PREFIX!,
      role: 'consumer',
      logManifest: false,
      worker,
    }),
    FaultHandlersModule,
  ],
})
class FaultWorkerModule {}

async function main() {
  const app = await NestFactory.createApplicationContext(FaultWorkerModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  process.stdout.write(`worker ready pid=${process.pid}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
