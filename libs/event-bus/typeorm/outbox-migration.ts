import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_OUTBOX_TABLE, outboxMigrationSql } from '../src/postgres/outbox-schema';

/**
 * A TypeORM migration creating the outbox table (`migrations/001_outbox.sql`). Add it to the data source's
 * `migrations`, or subclass it to use another table name (`tableName`).
 */
export class DurableBusOutboxMigration1763900000000 implements MigrationInterface {
  name = 'DurableBusOutboxMigration1763900000000';
  /** The outbox table, optionally schema-qualified. */
  protected readonly tableName: string = DEFAULT_OUTBOX_TABLE;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(outboxMigrationSql(this.tableName));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS ${this.tableName}`);
  }
}

/** {@link DurableBusOutboxMigration1763900000000}, under a shorter name. */
export const DurableBusOutboxMigration = DurableBusOutboxMigration1763900000000;
