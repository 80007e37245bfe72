import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { DemoModule } from '../../apps/demo/src/demo.module';
import { DemoConfig, demoConfig } from '../../apps/demo/src/platform/demo-config';
import { applyMigrations } from '../../apps/demo/src/platform/migrations';
import { SyncHandlerErrorFilter } from '../../apps/demo/src/platform/sync-handler-error.filter';
import { freshPrefix, redisUrl } from '../support/bus-app';
import { freshDatabase } from '../support/postgres';

/**
 * The demo end to end: its real HTTP API, on real PostgreSQL and Redis, with the workers and the outbox relay in
 * the same process (ROLE=all), as `npm start` runs it.
 */
export interface Demo {
  readonly base: string;
  /** How it runs: its bus prefix (fresh per test) and the dashboard's credentials. */
  readonly config: DemoConfig;
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  get<T = Record<string, unknown>[]>(path: string): Promise<T>;
  /** Re-reads `path` (every 50 ms, at most 15 s) until `done` holds. */
  until<T = Record<string, unknown>[]>(path: string, done: (body: T) => boolean, what: string): Promise<T>;
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
  const get = async <T>(path: string) => (await (await fetch(`${base}${path}`)).json()) as T;
  return {
    base,
    config,
    get,
    post: async <T>(path: string, body: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    },
    until: async <T>(path: string, done: (body: T) => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const body = await get<T>(path);
        if (done(body)) return body;
        if (Date.now() > deadline)
          throw new Error(`Timed out waiting for ${what}; last ${path}: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});
