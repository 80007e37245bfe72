import { checkTableName } from './outbox-schema';

/** Default name of the inbox table. */
export const DEFAULT_INBOX_TABLE = 'durable_bus_inbox';

/** Checks an inbox table name (lower-case identifiers, optionally schema-qualified). */
export function checkInboxTableName(table: string): string {
  return checkTableName(table, 'Inbox', DEFAULT_INBOX_TABLE);
}

/**
 * The migration that creates the inbox table (the same text as `migrations/002_inbox.sql` in the package, which a
 * test keeps in step), for a table name of your choice. Run it with your migrations; the bus never creates tables.
 */
export function inboxMigrationSql(table: string = DEFAULT_INBOX_TABLE): string {
  const name = checkInboxTableName(table);
  const indexBase = name.split('.').pop()!;
  return `-- nestjs-durable-bus: the transactional inbox (PostgreSQL). Run once, with your other migrations.
-- To use another table name, replace ${name} everywhere below and pass { table } to the store.
CREATE TABLE IF NOT EXISTS ${name} (
  handler_id text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (handler_id, event_id)
);
CREATE INDEX IF NOT EXISTS ${indexBase}_processed ON ${name} (processed_at);
`;
}
