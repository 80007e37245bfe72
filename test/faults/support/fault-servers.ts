import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { EventWorkerOptions, JobWriteError, PublishQueueFullError, PublishTimeoutError } from 'nestjs-durable-bus';
import type { EventBus } from 'nestjs-durable-bus';
import { RedisServer, freePort, startRedisServer } from '../../../tools/local-redis';

/**
 * The worker options the fault suite runs with, the ones docs/operating.md recommends for production: a dead
 * worker's job (or one whose lock lapsed while Redis was away) is taken again within about lockDuration +
 * stalledInterval, instead of BullMQ's 30 s + 30 s. FAULTS_BULLMQ_DEFAULTS=1 runs with BullMQ's defaults instead,
 * to compare.
 */
export const WORKER_OPTIONS: EventWorkerOptions = process.env.FAULTS_BULLMQ_DEFAULTS
  ? {}
  : { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 2 };

export function describeWorkerOptions(): string {
  const { lockDuration = 30_000, stalledInterval = 30_000, maxStalledCount = 1 } = WORKER_OPTIONS;
  return `lockDuration=${lockDuration} stalledInterval=${stalledInterval} maxStalledCount=${maxStalledCount}`;
}

/**
 * A redis-server the test owns, with the append-only file on (`appendonly yes`, `appendfsync always`) in a
 * directory of its own, so it can be killed (SIGKILL, by pid) and started again on the same port with every
 * acknowledged write.
 */
export class OwnedRedis {
  private constructor(
    private server: RedisServer | undefined,
    private readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnedRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'bus-faults-redis-'));
    const port = await freePort();
    return new OwnedRedis(await startRedisServer({ port, persistentDir: dir }), port, dir);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Kills the server with SIGKILL. */
  async kill(): Promise<void> {
    await this.server?.kill();
    this.server = undefined;
  }

  /** Starts it again on its port and directory; resolves once it accepts connections (its AOF loaded). */
  async restart(): Promise<void> {
    await this.kill();
    this.server = await startRedisServer({ port: this.port, persistentDir: this.dir });
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A plain client on `url` that never throws at the test for a lost connection (it is closed by the caller). */
export function quietClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  return client;
}

/** Publish errors that say "Redis is not there now, publish the same instance again". */
export function isOutageError(error: unknown): boolean {
  return (
    error instanceof PublishTimeoutError || error instanceof PublishQueueFullError || error instanceof JobWriteError
  );
}

/**
 * Publishes `event`, again and again while the publish fails for an outage (bounded by `attempts`): the same
 * instance keeps its event id, so a try that was stored after all is not duplicated. Resolves with the tries made.
 */
export async function publishSurely(bus: EventBus, event: object, attempts = 120): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await bus.publish(event);
      return attempt;
    } catch (error) {
      if (!isOutageError(error) || attempt >= attempts) throw error;
    }
  }
}
