import { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { RedisClusterConnection, RedisConnectionSetting } from '../../contracts/redis-connection-setting';

export type { RedisConnectionSetting } from '../../contracts/redis-connection-setting';

/**
 * True when the setting is a live ioredis client rather than a description of one. (The public setting type is the
 * library's own, structural; here it meets ioredis's.)
 */
export function isRedisInstance(setting: RedisConnectionSetting): setting is Redis & RedisConnectionSetting {
  return typeof setting === 'object' && typeof (setting as Partial<Redis>).duplicate === 'function';
}

/** True when the setting names a Redis Cluster: an ioredis `Cluster` instance, or `{ cluster: { nodes } }`. */
export function isClusterSetting(setting: RedisConnectionSetting): boolean {
  if (isRedisInstance(setting)) return (setting as { isCluster?: boolean }).isCluster === true;
  return typeof setting === 'object' && 'cluster' in setting && typeof setting.cluster === 'object';
}

/**
 * Opens a client for the setting, or returns the app's instance. `owned` says whether the bus must close it. A
 * cluster client is typed as a `Redis`: both are ioredis commanders, and what the bus calls on it (commands,
 * `multi`, `defineCommand`, events, `quit`) is the same on both.
 */
export function openRedis(
  setting: RedisConnectionSetting,
  overrides: RedisOptions = {},
): { client: Redis; owned: boolean } {
  if (isRedisInstance(setting)) return { client: setting, owned: false };
  if (isClusterSetting(setting))
    return { client: openCluster(setting as RedisClusterConnection, overrides), owned: true };
  const client =
    typeof setting === 'string'
      ? new Redis(setting, overrides)
      : new Redis({ ...(setting as RedisOptions), ...overrides });
  return { client, owned: true };
}

/** A new client like `client` (cluster or not), with `overrides` on its connection options. */
export function duplicateRedis(client: Redis, overrides: RedisOptions = {}): Redis {
  if (!(client as { isCluster?: boolean }).isCluster) return client.duplicate(overrides);
  // Cluster.duplicate(startupNodes, options): each node's connection options live under `redisOptions`.
  const cluster = client as unknown as Cluster;
  return cluster.duplicate(undefined, {
    redisOptions: { ...cluster.options.redisOptions, ...overrides },
  }) as unknown as Redis;
}

function openCluster({ cluster }: RedisClusterConnection, overrides: RedisOptions): Redis {
  const options = (cluster.options ?? {}) as ClusterOptions;
  const nodes = cluster.nodes.map((node) => (typeof node === 'string' ? node : { host: node.host, port: node.port }));
  return new Cluster(nodes, {
    ...options,
    redisOptions: { ...options.redisOptions, ...overrides },
  }) as unknown as Redis;
}

/** What {@link isLive} and {@link connectionLost} read of a client (ioredis's, or BullMQ's view of it). */
interface WatchedClient {
  readonly status: string;
  readonly isCluster?: boolean;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** A usable connection: `ready`, or `connect` for a Redis Cluster client, which reports it so (as BullMQ reads it). */
export function isLive(client: Pick<WatchedClient, 'status' | 'isCluster'>): boolean {
  return client.status === 'ready' || (client.status === 'connect' && client.isCluster === true);
}

/** Resolves when the client's socket closes (Redis went away), or at once if it is not live. */
export function connectionLost(client: WatchedClient): { promise: Promise<'lost'>; cancel: () => void } {
  let onClose = (): void => undefined;
  const promise = new Promise<'lost'>((resolve) => {
    onClose = () => resolve('lost');
    if (!isLive(client)) resolve('lost');
  });
  client.on('close', onClose);
  return { promise, cancel: () => client.off('close', onClose) };
}

/**
 * Drops a client's connection at once and ends it. ioredis between two reconnect attempts (Redis gone) is a special
 * case: `disconnect()` only stops the retrying; the client stays `reconnecting`, its queued commands never settle and
 * it never emits 'end', which BullMQ's `close()` waits for (a worker's lock-renewal timer then runs forever). One more
 * connection attempt, closed at once, ends it: its queued commands are rejected and 'end' is emitted.
 */
export function dropConnection(client: Redis): void {
  if (client.status === 'end') return;
  client.disconnect();
  if (client.status === 'reconnecting')
    client.connect().then(
      () => client.disconnect(),
      () => undefined,
    );
}

/**
 * QUIT, then wait for the socket to be gone (QUIT resolves on the reply, before the socket closes). A client that is
 * not connected (Redis is down) is dropped instead ({@link dropConnection}): a QUIT would wait in its offline queue
 * until Redis is back.
 */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    dropConnection(client);
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  await client.quit().catch(() => client.disconnect());
  await ended;
}
