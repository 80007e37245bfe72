import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

/** A key prefix no other sample uses. */
export function freshPrefix(label: string): string {
  return `bench-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix:` (SCAN + UNLINK), so Redis does not grow from sample to sample. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Total commands Redis has executed (INFO commandstats), the INFO calls themselves left out. */
export async function commandsExecuted(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match && match[1] !== 'info') total += Number(match[2]);
  }
  return total;
}

/** `redis_version` from INFO server. */
export async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url);
  try {
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    await redis.quit();
  }
}

/** CPU seconds Redis has used (INFO cpu: user + system, main thread and others). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** CPU load while something ran: this process's and Redis's CPU time over the wall time (1 = one core busy). */
export interface Load {
  readonly node: number;
  readonly redis: number;
  /** Every PostgreSQL process of the machine (postmaster and backends), when asked for. */
  readonly postgres?: number;
}

/**
 * CPU seconds used so far by the processes named `name` (Linux `/proc`; 0 elsewhere). A process that exits between
 * two readings takes its time with it: read around a sample whose processes live through it (pooled backends).
 */
export function processCpuSeconds(name: string): number {
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return 0;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      if (stat.slice(open + 1, close) !== name) continue;
      const fields = stat.slice(close + 2).split(' '); // from field 3 (state) on
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      // exited meanwhile
    }
  }
  return ticks / ticksPerSecond;
}

/**
 * Runs `run` and reports, beside its result, how busy this process and Redis were meanwhile: which side is the
 * bottleneck of a scenario (this process at ~1 core means the JavaScript thread is saturated).
 */
export async function withLoad<T>(
  redisUrl: string,
  run: () => Promise<T>,
  { postgres = false }: { postgres?: boolean } = {},
): Promise<{ result: T; load: Load }> {
  const redis = new Redis(redisUrl);
  try {
    const redisBefore = await redisCpuSeconds(redis);
    const postgresBefore = postgres ? processCpuSeconds('postgres') : 0;
    const nodeBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    const result = await run();
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const node = process.cpuUsage(nodeBefore);
    const postgresUsed = postgres ? processCpuSeconds('postgres') - postgresBefore : undefined;
    const redisUsed = (await redisCpuSeconds(redis)) - redisBefore;
    return {
      result,
      load: {
        node: (node.user + node.system) / 1e6 / wall,
        redis: redisUsed / wall,
        ...(postgresUsed !== undefined ? { postgres: postgresUsed / wall } : {}),
      },
    };
  } finally {
    await redis.quit();
  }
}

/**
 * The load of every sample, per contender, measured with {@link withLoad}: `measure` wraps a sample, `describe` gives
 * the median of a contender's samples as "node 97%, Redis 55%", leaving out its first (the warm-up round's).
 */
export class LoadLog<Side extends string> {
  private readonly loads = new Map<Side, Load[]>();

  constructor(
    private readonly redisUrl: string,
    private readonly options: { postgres?: boolean } = {},
  ) {}

  async measure(side: Side, run: () => Promise<number>): Promise<number> {
    const { result, load } = await withLoad(this.redisUrl, run, this.options);
    this.loads.set(side, [...(this.loads.get(side) ?? []), load]);
    return result;
  }

  describe(side: Side): string {
    const measured = (this.loads.get(side) ?? []).slice(1);
    const mid = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? NaN;
    const percent = (value: number) => `${Math.round(value * 100)}%`;
    const postgres = measured.every((l) => l.postgres !== undefined)
      ? `, PostgreSQL ${percent(mid(measured.map((l) => l.postgres!)))}`
      : '';
    return `node ${percent(mid(measured.map((l) => l.node)))}, Redis ${percent(mid(measured.map((l) => l.redis)))}${postgres}`;
  }
}
