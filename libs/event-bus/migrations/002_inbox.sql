-- nestjs-durable-bus: the transactional inbox (PostgreSQL). Run once, with your other migrations.
-- To use another table name, replace durable_bus_inbox everywhere below and pass { table } to the store.
CREATE TABLE IF NOT EXISTS durable_bus_inbox (
  handler_id text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (handler_id, event_id)
);
CREATE INDEX IF NOT EXISTS durable_bus_inbox_processed ON durable_bus_inbox (processed_at);
