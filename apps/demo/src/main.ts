/**
 * `npm start`: the demo. Finds or starts Redis and PostgreSQL, applies the migrations (the demo's tables and the
 * bus's outbox table), and runs the app: ROLE=all (default: HTTP API, workers and relay in one process),
 * ROLE=api (HTTP API + outbox relay, no workers) or ROLE=worker (workers only). Without Redis (no REDIS_URL, no
 * redis-server on the PATH) it says so first and runs ROLE=all on the in-memory transport. Ctrl-C stops everything.
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { LocalPostgres, startLocalPostgres } from '../../../tools/local-postgres';
import { LocalRedis, localRedisAvailable, redisInstallCommand, startLocalRedis } from '../../../tools/local-redis';
import { DemoModule } from './demo.module';
import { applyMigrations } from './platform/migrations';
import { DemoConfig, demoConfig, demoRole } from './platform/demo-config';
import { SyncHandlerErrorFilter } from './platform/sync-handler-error.filter';

async function main() {
  const withRedis = localRedisAvailable();
  demoRole(withRedis);
  if (!withRedis) process.stdout.write(withoutRedisNotice());
  const started: (LocalRedis | LocalPostgres)[] = [];
  const stopServers = () => Promise.all(started.splice(0).map((server) => server.stop()));
  let config: DemoConfig;
  let app: INestApplicationContext;
  try {
    const redis = withRedis ? await startLocalRedis() : undefined;
    if (redis) started.push(redis);
    const postgres = await startLocalPostgres();
    started.push(postgres);
    config = demoConfig(redis?.url, postgres.url);
    await applyMigrations(config.databaseUrl);
    app = await createApp(config);
  } catch (error) {
    await stopServers();
    throw error;
  }
  const stop = async () => {
    await app.close();
    await stopServers();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  process.stdout.write(runningBanner(config));
}

async function createApp(config: DemoConfig): Promise<INestApplicationContext> {
  if (config.role === 'worker') return NestFactory.createApplicationContext(DemoModule.forRoot(config));
  const http = await NestFactory.create(DemoModule.forRoot(config));
  http.useGlobalFilters(new SyncHandlerErrorFilter(http.get(HttpAdapterHost).httpAdapter));
  await http.listen(config.port, '127.0.0.1');
  return http;
}

/** What runs without Redis, what it lacks, and the one command that adds it: printed before anything else. */
function withoutRedisNotice(): string {
  const install = redisInstallCommand();
  return [
    '',
    'nestjs-durable-bus demo: running on the in-memory transport (no REDIS_URL, no redis-server on the PATH).',
    '  Async handlers run in this process, with retries and ordering; nothing survives a restart.',
    '  Missing for the full demo: Redis, for durable queues, the dashboard (/queues) and several processes',
    '  (ROLE=api, ROLE=worker).',
    install ? `  Install it: ${install}` : '  Install redis-server with your package manager,',
    '  then npm start again (or set REDIS_URL=redis://host:port).',
    '',
  ].join('\n');
}

function runningBanner(config: DemoConfig): string {
  const base = `http://127.0.0.1:${config.port}`;
  return [
    '',
    `nestjs-durable-bus demo is running (ROLE=${config.role})`,
    config.redisUrl ? `  Redis:      ${config.redisUrl}` : '  Transport:  in-memory (no Redis)',
    `  PostgreSQL: ${config.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
    ...(config.role === 'worker'
      ? ['  Workers are consuming the event queues. Stop with Ctrl-C.']
      : [
          `  API:        ${base}/orders  ${base}/invoices  ${base}/audit`,
          `  Live feed:  ${base}/feed`,
          config.redisUrl
            ? `  Dashboard:  ${base}/queues  (user ${config.dashboardUser}, password ${config.dashboardPassword})`
            : '  Dashboard:  off (it shows BullMQ queues: needs Redis)',
          '',
          `  Try: curl -s -XPOST ${base}/orders -H 'content-type: application/json' \\`,
          `         -d '{"customerId":"c-1","lines":[{"sku":"book","quantity":2,"unitPriceCents":1250}]}'`,
          '  The README walks through the whole flow. Stop with Ctrl-C.',
        ]),
    '',
  ].join('\n');
}

main().catch((error) => {
  // A StartupError (no Redis for ROLE=api, PostgreSQL that cannot start, …) prints as its one line with the fix.
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
