import type { PgPoolLike } from '../src/postgres/postgres-outbox.store';
import { DrizzleNodePgDatabase, drizzleQuery } from './drizzle-outbox.store';
import { PostgresInboxOptions, PostgresInboxStore } from '../src/postgres/postgres-inbox.store';

/**
 * The PostgreSQL inbox for Drizzle on node-postgres (with `@nestjs-cls/transactional-adapter-drizzle-orm`, wrapped
 * in `withEventBus`). Rows are inserted through the handler's Drizzle transaction (the one `TransactionHost.tx`
 * returns); pruning uses the database's pool (`db.$client`). Import from `nestjs-durable-bus/drizzle`.
 */
export class DrizzleInboxStore extends PostgresInboxStore {
  constructor(db: DrizzleNodePgDatabase, options: PostgresInboxOptions = {}) {
    super('drizzle-postgres', () => db.$client as PgPoolLike, drizzleQuery, options);
  }
}
