/**
 * The Redis a bus on the BullMQ transport connects to, in the library's own types: declared here rather than
 * imported from ioredis so that the public types compile in an app that has neither ioredis nor bullmq installed
 * (an app on `transport: 'in-memory'`, with `skipLibCheck: false`). ioredis checks the options when the BullMQ
 * transport opens the connection.
 */

/** The ioredis options most apps set. Any other ioredis option may be given next to them. */
export interface RedisConnectionOptions {
  readonly host?: string;
  readonly port?: number;
  /** A Unix socket instead of host and port. */
  readonly path?: string;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  /** Node's `tls.connect` options; `{}` for TLS with the defaults. */
  readonly tls?: object;
}

/** ioredis options beyond {@link RedisConnectionOptions} (`retryStrategy`, `sentinels`, …), passed on as given. */
export type RedisConnectionOptionsWithExtras = RedisConnectionOptions & { readonly [option: string]: unknown };

/** An ioredis client the app owns (the bus duplicates it where BullMQ needs its own connections, never closes it). */
export interface RedisClientLike {
  readonly status: string;
  duplicate(...args: never[]): unknown;
}

/**
 * A Redis Cluster for the bus to connect to: its seed nodes (`'redis://host:port'`, or host and port) and ioredis
 * `ClusterOptions` (`redisOptions` carries each node's password, TLS and the like), passed on as given. The bus opens
 * and closes its own cluster clients. (An ioredis `Cluster` the app owns is given as the connection itself.)
 */
export interface RedisClusterConnection {
  readonly cluster: {
    readonly nodes: readonly (string | { readonly host: string; readonly port: number })[];
    readonly options?: { readonly [option: string]: unknown };
  };
}

/**
 * What is wrong with a `{ cluster: … }` setting (nodes missing, empty, or not URLs / host and port), or undefined
 * when it is fine or not a cluster setting.
 */
export function clusterSettingProblem(setting: unknown): string | undefined {
  if (typeof setting !== 'object' || setting === null || !('cluster' in setting)) return undefined;
  if (typeof setting.cluster === 'function') return undefined; // an ioredis client
  const nodes = (setting as { cluster?: { nodes?: unknown } }).cluster?.nodes;
  const valid = (node: unknown) =>
    (typeof node === 'string' && node.length > 0) ||
    (typeof node === 'object' &&
      node !== null &&
      typeof (node as { host?: unknown }).host === 'string' &&
      Number.isInteger((node as { port?: unknown }).port));
  if (Array.isArray(nodes) && nodes.length > 0 && nodes.every(valid)) return undefined;
  return JSON.stringify(nodes) ?? String(nodes);
}

/**
 * A Redis URL (`redis://host:6379/0`), ioredis options, a Redis Cluster's nodes ({@link RedisClusterConnection}), or
 * an ioredis instance the app owns (a `Redis` or a `Cluster`).
 */
export type RedisConnectionSetting =
  string | RedisConnectionOptions | RedisConnectionOptionsWithExtras | RedisClusterConnection | RedisClientLike;
