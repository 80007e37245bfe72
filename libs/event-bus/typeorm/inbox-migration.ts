import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_INBOX_TABLE, inboxMigrationSql } from '../src/postgres/inbox-schema';

/**
 * A TypeORM migration creating the inbox table (`migrations/002_inbox.sql`). Add it to the data source's
 * `migrations`, or subclass it to use another table name (`tableName`).
 */
export class DurableBusInboxMigration1765000000000 implements MigrationInterface {
  name = 'DurableBusInboxMigration1765000000000';
  /** The inbox table, optionally schema-qualified. */
  protected readonly tableName: string = DEFAULT_INBOX_TABLE;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(inboxMigrationSql(this.tableName));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS ${this.tableName}`);
  }
}

/** {@link DurableBusInboxMigration1765000000000}, under a shorter name. */
export const DurableBusInboxMigration = DurableBusInboxMigration1765000000000;
