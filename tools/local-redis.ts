import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { StartupError } from './startup.error';

/**
 * A Redis for the tests, the demo and the benchmarks: REDIS_URL when set, else a throwaway redis-server (no
 * persistence, its own temp dir) started on a free loopback port, else an error that says how to install one.
 */
export interface LocalRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** Whether {@link startLocalRedis} has a Redis to give: REDIS_URL is set, or a `redis-server` is on the PATH. */
export function localRedisAvailable(): boolean {
  return Boolean(process.env.REDIS_URL) || findOnPath('redis-server') !== undefined;
}

/**
 * The one command that installs redis-server here, when the package manager is known (looked for at its usual
 * path, not on the PATH, which may be a stripped one), e.g. `sudo apt-get update && sudo apt-get install -y
 * redis-server`.
 */
export function redisInstallCommand(): string | undefined {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  const managers: [string, string][] = [
    ['/usr/bin/apt-get', `${sudo}apt-get update && ${sudo}apt-get install -y redis-server`],
    ['/usr/bin/dnf', `${sudo}dnf install -y redis`],
    ['/sbin/apk', `${sudo}apk add redis`],
    ['/opt/homebrew/bin/brew', 'brew install redis'],
    ['/usr/local/bin/brew', 'brew install redis'],
  ];
  return managers.find(([path]) => existsSync(path))?.[1];
}

export async function startLocalRedis(): Promise<LocalRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  return startRedisServer();
}

/** A redis-server this process started (see {@link startRedisServer}). */
export interface RedisServer extends LocalRedis {
  readonly port: number;
  readonly pid: number;
  /** Kills the server with SIGKILL (a crash: only what its append-only file holds survives), by its pid. */
  kill(): Promise<void>;
}

export interface RedisServerOptions {
  /** The port; the same one again restarts a server where clients expect it. Default: a free one. */
  readonly port?: number;
  /**
   * A data directory to keep (not removed by `stop`), with the append-only file on (`appendonly yes`, `appendfsync`
   * as given, default `always`): a server started again on it has every acknowledged write. Default: a throwaway
   * directory and no persistence.
   */
  readonly persistentDir?: string;
  readonly appendfsync?: 'always' | 'everysec';
}

/**
 * A throwaway redis-server of its own, whatever REDIS_URL says (for tests that stop and restart Redis): on `port`
 * (the same one again, to restart it) or a free one.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findOnPath('redis-server');
  if (!binary) {
    throw new StartupError(
      `No Redis found: set REDIS_URL=redis://host:port, or install redis-server ` +
        `(${redisInstallCommand() ?? 'with your package manager'}) and a throwaway one is started on a free port.`,
    );
  }
  const port = options.port ?? (await freePort());
  const dir = options.persistentDir ?? mkdtempSync(join(tmpdir(), 'bus-redis-'));
  const persistence = options.persistentDir
    ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always']
    : ['--appendonly', 'no'];
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir].concat([
      '--protected-mode',
      'no',
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForReady(child, port);
  // However this process ends, the server goes with it instead of living on as an orphan.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const end = async (signal: NodeJS.Signals) => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    kill: () => end('SIGKILL'),
    stop: async () => {
      await end('SIGTERM');
      if (!options.persistentDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The first executable `binary` in a PATH directory, as a shell would find it. */
function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** A TCP port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function waitForReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server on port ${port} not ready after 10 s:\n${output}`)),
      10_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}:\n${output}`)));
  });
}
