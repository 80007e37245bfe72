/**
 * nestjs-durable-bus/postgres: the outbox and inbox stores on node-postgres (a `pg` Pool, or an adapter's
 * transaction client), their tables' SQL and default names. The TypeORM and Drizzle stores (`/typeorm`, `/drizzle`)
 * build on these.
 */
export { PostgresOutboxStore } from '../src/postgres/postgres-outbox.store';
export type { PostgresOutboxOptions, TransactionQuery } from '../src/postgres/postgres-outbox.store';
export type { PgClientLike, PgOwnClientLike, PgPoolLike, PgResult } from '../src/postgres/postgres-connection';
export { PostgresInboxStore } from '../src/postgres/postgres-inbox.store';
export type { PostgresInboxOptions } from '../src/postgres/postgres-inbox.store';
export { DEFAULT_OUTBOX_TABLE, outboxMigrationSql } from '../src/postgres/outbox-schema';
export { DEFAULT_INBOX_TABLE, inboxMigrationSql } from '../src/postgres/inbox-schema';
