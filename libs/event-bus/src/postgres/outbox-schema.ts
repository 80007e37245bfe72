import { EventBusConfigError } from '../errors';

/** Default name of the outbox table. */
export const DEFAULT_OUTBOX_TABLE = 'durable_bus_outbox';

/**
 * The migration that creates the outbox table (the same text as `migrations/001_outbox.sql` in the package, which a
 * test keeps in step), for a table name of your choice. Run it with your migrations; the bus never creates tables.
 */
export function outboxMigrationSql(table: string = DEFAULT_OUTBOX_TABLE): string {
  const name = checkTableName(table);
  const indexBase = name.split('.').pop()!;
  return `-- nestjs-durable-bus: the transactional outbox (PostgreSQL). Run once, with your other migrations.
-- To use another table name, replace ${name} everywhere below and pass { table } to the store.
CREATE TABLE IF NOT EXISTS ${name} (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  job_id text NOT NULL,
  name text NOT NULL,
  data json NOT NULL,
  options json NOT NULL,
  ordered boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  relayed_at timestamptz
);
CREATE INDEX IF NOT EXISTS ${indexBase}_pending ON ${name} (id) WHERE relayed_at IS NULL;
CREATE INDEX IF NOT EXISTS ${indexBase}_relayed ON ${name} (relayed_at) WHERE relayed_at IS NOT NULL;
`;
}

/**
 * A table name, optionally schema-qualified, of plain lower-case identifiers (no quoting needed). `kind` and
 * `example` name the table in the error (the outbox's by default).
 */
export function checkTableName(table: string, kind = 'Outbox', example = DEFAULT_OUTBOX_TABLE): string {
  if (typeof table !== 'string' || !/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(table)) {
    throw new EventBusConfigError(
      `${kind} table "${String(table)}" is invalid: expected a lower-case identifier, optionally schema-qualified ` +
        `(letters, digits, "_"), e.g. "${example}" or "app.${example}".`,
    );
  }
  return table;
}
