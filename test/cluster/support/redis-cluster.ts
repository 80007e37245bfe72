import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../../tools/local-redis';
import { poll } from '../../support/deferred';

/** A Redis Cluster of three masters (no replicas) on loopback ports, started and stopped by pid. */
export interface LocalRedisCluster {
  /** The masters, as `host:port`. */
  readonly nodes: readonly string[];
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

const MASTERS = 3;

/**
 * Starts three `redis-server --cluster-enabled yes` on free loopback ports (their config files and data in a temp
 * dir), joins them with `redis-cli --cluster create … --cluster-replicas 0`, and resolves once every node's
 * `CLUSTER INFO` says `cluster_state:ok` with all 16384 slots assigned. Needs redis-server and redis-cli on the PATH.
 */
export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'bus-redis-cluster-'));
  const servers: { port: number; child: ChildProcess }[] = [];
  const stop = async () => {
    await Promise.all(servers.map(({ child }) => stopServer(child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < MASTERS; i++) {
      const port = await freePort();
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no'],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir],
          ...['--save', '', '--appendonly', 'no', '--cluster-node-timeout', '5000'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      servers.push({ port, child });
      await ready(child, port);
    }
    const nodes = servers.map(({ port }) => `127.0.0.1:${port}`);
    await promisify(execFile)(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    const clients = servers.map(({ port }) => new Redis({ host: '127.0.0.1', port, lazyConnect: true }));
    try {
      for (const client of clients) {
        await poll(
          () => client.cluster('INFO'),
          (info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_assigned:16384'),
          `cluster_state:ok on ${client.options.port}`,
          { ms: 20_000, intervalMs: 50 },
        );
      }
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
    return { nodes, pids: servers.map(({ child }) => child.pid!), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves once the server prints that it accepts connections (bounded), rejects if it exits first. */
function ready(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server ${port} not ready after 10 s:\n${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server ${port} exited with code ${code}:\n${output}`));
    });
  });
}

/** SIGTERM by pid, then waits for the exit. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
