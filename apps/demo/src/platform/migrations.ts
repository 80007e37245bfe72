import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

// npm start runs from the repository root.
const ROOT = process.cwd();

/**
 * The demo's explicit migration step (the bus never creates tables by surprise): the demo's tables, then the bus's
 * outbox table from the migration the package ships. Both are idempotent.
 */
export async function applyMigrations(databaseUrl: string): Promise<void> {
  const files = [
    join(ROOT, 'apps/demo/migrations/001_demo.sql'),
    join(ROOT, 'libs/event-bus/migrations/001_outbox.sql'),
  ];
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const file of files) await client.query(readFileSync(file, 'utf8'));
  } finally {
    await client.end();
  }
}
