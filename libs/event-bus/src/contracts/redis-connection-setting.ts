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

/** A Redis URL (`redis://host:6379/0`), ioredis options, or an ioredis instance the app owns. */
export type RedisConnectionSetting =
  string | RedisConnectionOptions | RedisConnectionOptionsWithExtras | RedisClientLike;
