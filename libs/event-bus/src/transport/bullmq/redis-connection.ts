import type { ConnectionOptions } from 'bullmq';
import { Redis, RedisOptions } from 'ioredis';
import type { RedisConnectionSetting } from '../redis-connection-setting';

export type { RedisConnectionSetting } from '../redis-connection-setting';

/**
 * True when the setting is a live ioredis client rather than a description of one. (The public setting type is the
 * library's own, structural; here it meets ioredis's.)
 */
export function isRedisInstance(setting: RedisConnectionSetting): setting is Redis & RedisConnectionSetting {
  return typeof setting === 'object' && typeof (setting as Partial<Redis>).duplicate === 'function';
}

/**
 * Opens a client for the setting, or returns the app's instance. `owned` says whether the bus must close it.
 */
export function openRedis(
  setting: RedisConnectionSetting,
  overrides: RedisOptions = {},
): { client: Redis; owned: boolean } {
  if (isRedisInstance(setting)) return { client: setting, owned: false };
  const client =
    typeof setting === 'string'
      ? new Redis(setting, overrides)
      : new Redis({ ...(setting as RedisOptions), ...overrides });
  return { client, owned: true };
}

/**
 * What BullMQ Workers get: options (BullMQ opens and closes its own clients, with `maxRetriesPerRequest: null` as
 * blocking commands require) or the app's instance (BullMQ duplicates it for blocking commands).
 */
export function workerConnection(setting: RedisConnectionSetting): ConnectionOptions {
  if (isRedisInstance(setting)) return setting;
  if (typeof setting === 'string') return { url: setting, maxRetriesPerRequest: null };
  return { ...(setting as ConnectionOptions), maxRetriesPerRequest: null };
}
