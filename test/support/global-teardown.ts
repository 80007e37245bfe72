import type { TestRedis } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __TEST_REDIS__?: TestRedis }).__TEST_REDIS__?.stop();
}
