import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

// npm start runs from the repository root.
const ROOT = process.cwd();

/**
 * The demo's explicit migration step (the bus never creates tables by surprise): the demo's tables, then the bus's
 * outbox table from the migration the package ships. Both are idempotent, and safe to run from several processes at
 * once (ROLE=api and ROLE=worker started together): they run under an advisory lock, one process after the other.
 */
export async function applyMigrations(databaseUrl: string): Promise<void> {
  const files = [
    join(ROOT, 'apps/demo/migrations/001_demo.sql'),
    join(ROOT, 'libs/event-bus/migrations/001_outbox.sql'),
  ];
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Concurrent CREATE TABLE IF NOT EXISTS of the same table can still fail (a duplicate key in pg_type). The
    // session's lock is released when the connection ends.
    await client.query(`SELECT pg_advisory_lock(hashtext('nestjs-durable-bus demo migrations'))`);
    for (const file of files) await client.query(readFileSync(file, 'utf8'));
  } finally {
    await client.end();
  }
}
