import { Client } from 'pg';

/** Runs the statements in order on a short-lived connection. */
export async function sql(url: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates a database on the server at `serverUrl`; resolves with its URL and a function that drops it. */
export async function createDatabase(serverUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  await sql(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => sql(serverUrl, `DROP DATABASE ${name} WITH (FORCE)`) };
}
