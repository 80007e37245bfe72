-- nestjs-durable-bus: the transactional outbox (PostgreSQL). Run once, with your other migrations.
-- To use another table name, replace durable_bus_outbox everywhere below and pass { table } to the store.
CREATE TABLE IF NOT EXISTS durable_bus_outbox (
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
CREATE INDEX IF NOT EXISTS durable_bus_outbox_pending ON durable_bus_outbox (id) WHERE relayed_at IS NULL;
CREATE INDEX IF NOT EXISTS durable_bus_outbox_relayed ON durable_bus_outbox (relayed_at) WHERE relayed_at IS NOT NULL;
