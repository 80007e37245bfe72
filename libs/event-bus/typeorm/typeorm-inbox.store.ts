import type { DataSource } from 'typeorm';
import { poolOf, typeOrmQuery } from './typeorm-outbox.store';
import { PostgresInboxOptions, PostgresInboxStore } from '../src/postgres/postgres-inbox.store';

/**
 * The PostgreSQL inbox for TypeORM (with `@nestjs-cls/transactional-adapter-typeorm`, wrapped in `withEventBus`).
 * Rows are inserted through the handler transaction's `EntityManager` (the one `TransactionHost.tx` returns);
 * pruning uses the data source's node-postgres pool. Import from `nestjs-durable-bus/typeorm`.
 */
export class TypeOrmInboxStore extends PostgresInboxStore {
  constructor(dataSource: DataSource, options: PostgresInboxOptions = {}) {
    super('typeorm-postgres', () => poolOf(dataSource, 'TypeOrmInboxStore'), typeOrmQuery, options);
  }
}
