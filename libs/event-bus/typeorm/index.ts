/**
 * nestjs-durable-bus/typeorm: the outbox and inbox stores and their migrations for TypeORM on PostgreSQL. A separate
 * entry point so the main one never loads TypeORM.
 */
export { TypeOrmOutboxStore } from './typeorm-outbox.store';
export { DurableBusOutboxMigration, DurableBusOutboxMigration1763900000000 } from './outbox-migration';
export { TypeOrmInboxStore } from './typeorm-inbox.store';
export { DurableBusInboxMigration, DurableBusInboxMigration1765000000000 } from './inbox-migration';
