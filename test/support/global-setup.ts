import { startLocalPostgres } from '../../tools/local-postgres';
import { startLocalRedis } from '../../tools/local-redis';

/**
 * Starts (or finds) Redis and PostgreSQL once for the whole run; workers and child processes inherit REDIS_URL and
 * DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const [redis, postgres] = await Promise.all([startLocalRedis(), startLocalPostgres()]);
  process.env.REDIS_URL = redis.url;
  process.env.DATABASE_URL = postgres.url;
  const state = globalThis as { __TEST_REDIS__?: typeof redis; __TEST_POSTGRES__?: typeof postgres };
  state.__TEST_REDIS__ = redis;
  state.__TEST_POSTGRES__ = postgres;
}
