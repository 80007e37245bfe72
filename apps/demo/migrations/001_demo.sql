-- The demo's own tables (the bus's outbox table comes from libs/event-bus/migrations).
CREATE TABLE IF NOT EXISTS orders (
  id          text PRIMARY KEY,
  customer_id text NOT NULL,
  total_cents bigint NOT NULL,
  lines       jsonb NOT NULL,
  status      text NOT NULL CHECK (status IN ('placed', 'paid', 'cancelled')),
  placed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orders_customer_idx ON orders (customer_id);

CREATE TABLE IF NOT EXISTS invoices (
  id           text PRIMARY KEY,
  order_id     text NOT NULL UNIQUE,
  customer_id  text NOT NULL,
  amount_cents bigint NOT NULL,
  status       text NOT NULL CHECK (status IN ('issued', 'void')),
  emailed_at   timestamptz,
  issued_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS audit_log (
  id             bigserial PRIMARY KEY,
  event_id       text NOT NULL UNIQUE,
  event_name     text NOT NULL,
  correlation_id text NOT NULL,
  causation_id   text,
  subject        text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
