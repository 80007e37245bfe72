/**
 * The body of a consuming child process of the multi-process tests: an app of `handlers` on REDIS_URL under
 * BUS_PREFIX, consuming only, with shutdown hooks (SIGTERM closes it gracefully), that prints `ready` once up and
 * runs until stopped or killed.
 */
import 'reflect-metadata';
import { Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBusModule, EventWorkerOptions } from 'nestjs-durable-bus';

export function runConsumerProcess(
  handlers: Type,
  {
    worker,
    ready = 'worker ready',
    logger = ['error', 'warn'],
  }: {
    worker: EventWorkerOptions;
    ready?: string;
    logger?: ('error' | 'warn')[];
  },
): void {
  @Module({
    imports: [
      EventBusModule.forRoot({
        connection: process.env.REDIS_URL!,
        prefix: process.env.BUS_PREFIX!,
        role: 'consumer',
        logManifest: false,
        worker,
      }),
      handlers,
    ],
  })
  class ConsumerModule {}

  NestFactory.createApplicationContext(ConsumerModule, { logger })
    .then((app) => {
      app.enableShutdownHooks();
      process.stdout.write(`${ready}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    });
}
