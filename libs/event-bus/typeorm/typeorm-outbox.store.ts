import type { DataSource, EntityManager } from 'typeorm';
import { EventBusConfigError } from '../src/errors';
import {
  PgPoolLike,
  PostgresOutboxOptions,
  PostgresOutboxStore,
  TransactionQuery,
} from '../src/postgres/postgres-outbox.store';

/**
 * The PostgreSQL outbox for TypeORM (with `@nestjs-cls/transactional-adapter-typeorm`, wrapped in `withEventBus`).
 * Inserts go through the transaction's `EntityManager` (the one `TransactionHost.tx` returns); the relay uses the
 * data source's node-postgres pool. Import from `nestjs-durable-bus/typeorm`.
 *
 * ```ts
 * EventBusModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({ connection, outbox: { store: new TypeOrmOutboxStore(dataSource) } }),
 * })
 * ```
 */
export class TypeOrmOutboxStore extends PostgresOutboxStore {
  constructor(dataSource: DataSource, options: PostgresOutboxOptions = {}) {
    super('typeorm-postgres', () => poolOf(dataSource, 'TypeOrmOutboxStore'), typeOrmQuery, options);
  }
}

/** A statement through the transaction's `EntityManager`. */
export const typeOrmQuery: TransactionQuery = async (transaction, text, params) =>
  (transaction as EntityManager).query(text, [...params]);

/** The node-postgres pool of an initialized postgres data source; `store` names the caller in the error. */
export function poolOf(dataSource: DataSource, store: string): PgPoolLike {
  const pool = (dataSource.driver as { master?: PgPoolLike }).master;
  if (dataSource.options.type !== 'postgres' || !pool) {
    throw new EventBusConfigError(
      `${store} needs an initialized "postgres" data source, received type "${dataSource.options.type}"` +
        `${dataSource.isInitialized ? '' : ' (not initialized)'}.`,
    );
  }
  return pool;
}
