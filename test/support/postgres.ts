import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { outboxMigrationSql } from 'nestjs-durable-bus/postgres';

/** The PostgreSQL server URL the global setup provided (its `postgres` database). */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through jest (test/support/global-setup.ts).');
  return url;
}

const created: string[] = [];

/**
 * A new, empty database on the test server, with the outbox migration applied (as a user would run it) and the
 * given extra statements; dropped after the test file. Resolves with its URL.
 */
export async function freshDatabase(...statements: string[]): Promise<string> {
  const name = `t${randomBytes(6).toString('hex')}`;
  await withClient(databaseUrl(), (client) => client.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const url = urlOf(name);
  await withClient(url, async (client) => {
    await client.query(outboxMigrationSql());
    for (const statement of statements) await client.query(statement);
  });
  return url;
}

/** Runs `fn` with a connected client, closed afterwards. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** One query on a short-lived connection. */
export async function query<T extends Record<string, unknown>>(url: string, text: string, params?: unknown[]) {
  return withClient(url, async (client) => (await client.query<T>(text, params)).rows);
}

function urlOf(database: string): string {
  const url = new URL(databaseUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

afterAll(async () => {
  const names = created.splice(0);
  if (names.length === 0) return;
  await withClient(databaseUrl(), async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
});
