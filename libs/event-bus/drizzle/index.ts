/**
 * nestjs-durable-bus/drizzle: the outbox store for Drizzle on node-postgres. A separate entry point so the main one
 * never loads Drizzle. The table is created by `migrations/001_outbox.sql` (or `outboxMigrationSql()`).
 */
export { DrizzleOutboxStore } from '../src/outbox/drizzle-outbox-store';
export type { DrizzleNodePgDatabase } from '../src/outbox/drizzle-outbox-store';
