import type { LocalPostgres } from '../../tools/local-postgres';
import type { LocalRedis } from '../../tools/local-redis';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __TEST_REDIS__?: LocalRedis; __TEST_POSTGRES__?: LocalPostgres };
  await Promise.all([state.__TEST_REDIS__?.stop(), state.__TEST_POSTGRES__?.stop()]);
}
