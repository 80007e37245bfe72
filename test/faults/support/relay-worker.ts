/**
 * A relay process of the fault suite: the outbox relay on DATABASE_URL (TypeORM) and the fault handlers, consuming
 * on REDIS_URL under BUS_PREFIX, until stopped. It must ride out PostgreSQL going away and coming back.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Db, transactionalImports } from '../../transactions/support/transactional-module';
import { FaultHandlers } from './fault.handlers';

@Module({
  imports: transactionalImports({
    orm: 'typeorm',
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL!,
    prefix: process.env.BUS_PREFIX!,
    role: 'consumer',
    outbox: { pollInterval: Number(process.env.RELAY_POLL_INTERVAL ?? 500) },
  }),
  providers: [Db, FaultHandlers],
})
class RelayWorkerModule {}

async function main() {
  const app = await NestFactory.createApplicationContext(RelayWorkerModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  process.stdout.write(`relay ready pid=${process.pid}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
