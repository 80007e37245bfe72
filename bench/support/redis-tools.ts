import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A key prefix no other sample uses. */
export function freshPrefix(label: string): string {
  return `bench-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix:` (SCAN + UNLINK), so Redis does not grow from sample to sample. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Total commands Redis has executed (INFO commandstats), the INFO calls themselves left out. */
export async function commandsExecuted(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match && match[1] !== 'info') total += Number(match[2]);
  }
  return total;
}

/** `redis_version` from INFO server. */
export async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url);
  try {
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    await redis.quit();
  }
}
