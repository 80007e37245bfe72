/**
 * nestjs-durable-bus/drizzle: the outbox and inbox stores for Drizzle on node-postgres. A separate entry point so the
 * main one never loads Drizzle. The tables are created by `migrations/001_outbox.sql` and `migrations/002_inbox.sql`
 * (or `outboxMigrationSql()` and `inboxMigrationSql()`).
 */
export { DrizzleOutboxStore } from './drizzle-outbox.store';
export type { DrizzleNodePgDatabase } from './drizzle-outbox.store';
export { DrizzleInboxStore } from './drizzle-inbox.store';
