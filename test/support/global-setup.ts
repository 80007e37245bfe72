import { startLocalPostgres } from '../../tools/local-postgres';
import { startLocalRedis } from '../../tools/local-redis';

/**
 * Starts (or finds) Redis and PostgreSQL once for the whole run; workers and child processes inherit REDIS_URL and
 * DATABASE_URL. If one cannot start, the other is stopped and the run ends with the one-line reason and its fix.
 */
export default async function globalSetup(): Promise<void> {
  const [redis, postgres] = await Promise.allSettled([startLocalRedis(), startLocalPostgres()]);
  if (redis.status === 'rejected' || postgres.status === 'rejected') {
    for (const started of [redis, postgres]) if (started.status === 'fulfilled') await started.value.stop();
    throw redis.status === 'rejected' ? redis.reason : (postgres as PromiseRejectedResult).reason;
  }
  process.env.REDIS_URL = redis.value.url;
  process.env.DATABASE_URL = postgres.value.url;
  const state = globalThis as { __TEST_REDIS__?: typeof redis.value; __TEST_POSTGRES__?: typeof postgres.value };
  state.__TEST_REDIS__ = redis.value;
  state.__TEST_POSTGRES__ = postgres.value;
}
