import { startLocalRedis } from '../../tools/local-redis';

/** Starts (or finds) Redis once for the whole run; workers and child processes inherit REDIS_URL. */
export default async function globalSetup(): Promise<void> {
  const redis = await startLocalRedis();
  process.env.REDIS_URL = redis.url;
  (globalThis as { __TEST_REDIS__?: typeof redis }).__TEST_REDIS__ = redis;
}
