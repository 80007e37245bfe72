/**
 * nestjs-durable-bus/drizzle: the outbox and inbox stores for Drizzle on node-postgres. A separate entry point so the
 * main one never loads Drizzle. The tables are created by `migrations/001_outbox.sql` and `migrations/002_inbox.sql`
 * (or `outboxMigrationSql()` and `inboxMigrationSql()`).
 */
export { DrizzleOutboxStore } from '../src/outbox/drizzle-outbox-store';
export type { DrizzleNodePgDatabase } from '../src/outbox/drizzle-outbox-store';
export { DrizzleInboxStore } from '../src/inbox/drizzle-inbox-store';
