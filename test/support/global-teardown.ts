import type { LocalRedis } from '../../tools/local-redis';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __TEST_REDIS__?: LocalRedis }).__TEST_REDIS__?.stop();
}
