/** A worker process of the ordering test: consumes the ordering handlers' lanes until killed. */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBusModule } from 'nestjs-durable-bus';
import { OrderingModule } from './ordering.handlers';

@Module({
  imports: [
    EventBusModule.forRoot({
      connection: process.env.REDIS_URL!,
      prefix: process.env.BUS_PREFIX!,
      role: 'consumer',
      logManifest: false,
      // A killed worker's job is recovered once its lock expires: keep that short for the test.
      worker: { lockDuration: 2_000, stalledInterval: 1_000 },
    }),
    OrderingModule,
  ],
})
class WorkerModule {}

async function main() {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error'] });
  app.enableShutdownHooks();
  process.stdout.write('worker ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
