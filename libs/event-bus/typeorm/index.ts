/**
 * nestjs-durable-bus/typeorm: the outbox store and migration for TypeORM on PostgreSQL. A separate entry point so
 * the main one never loads TypeORM.
 */
export { TypeOrmOutboxStore } from '../src/outbox/typeorm-outbox-store';
export { DurableBusOutboxMigration, DurableBusOutboxMigration1763900000000 } from './outbox-migration';
