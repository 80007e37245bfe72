import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { DemoModule } from '../../apps/demo/src/demo.module';
import { DemoConfig, demoConfig } from '../../apps/demo/src/platform/demo-config';
import { applyMigrations } from '../../apps/demo/src/platform/migrations';
import { SyncHandlerErrorFilter } from '../../apps/demo/src/platform/sync-handler-error.filter';
import { freshPrefix, redisUrl } from '../support/bus-app';
import { freshDatabase } from '../support/postgres';
import { DemoHttp, demoHttp } from './demo-http';

/**
 * The demo end to end: its real HTTP API, on real PostgreSQL and Redis, with the workers and the outbox relay in
 * the same process (ROLE=all), as `npm start` runs it.
 */
export interface Demo extends DemoHttp {
  /** How it runs: its bus prefix (fresh per test) and the dashboard's credentials. */
  readonly config: DemoConfig;
}

let app: INestApplication | undefined;

export async function startDemo(): Promise<Demo> {
  const databaseUrl = await freshDatabase();
  await applyMigrations(databaseUrl);
  process.env.BUS_PREFIX = freshPrefix();
  const config = demoConfig(redisUrl(), databaseUrl);
  const moduleRef = await Test.createTestingModule({ imports: [DemoModule.forRoot(config)] }).compile();
  app = moduleRef.createNestApplication({ logger: ['error'] });
  app.useGlobalFilters(new SyncHandlerErrorFilter(app.get(HttpAdapterHost).httpAdapter));
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { ...demoHttp(base), config };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});
