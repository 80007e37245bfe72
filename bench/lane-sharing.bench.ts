/**
 * Scenario 9: lane sharing across consuming processes (docs/ordering.md, "How lanes are shared"). The worker processes
 * are the lane-sharing test's (`test/lane-sharing`): one partitioned handler of 12 lanes, events over 36 keys (3 per
 * lane).
 * - 9a: a CPU-bound handler (the event loop busy for `BUSY_MS` per event) on 3 processes vs on 1, jobs/s.
 * - 9b/9c: after a SIGTERM of one of 3 processes, the gap per lane between its last job there and the next job of the
 *   lane on another process (p50 and max over every handed-over lane of every round).
 * - 9d: after a kill -9, the gap per lane between the kill and the next job of the lane elsewhere, with the
 *   recommended worker options (docs/operating.md: lockDuration 10 s, stalledInterval 5 s).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { EventBus, EventBusModule } from 'nestjs-durable-bus';
import {
  handoverGaps,
  keysCoveringLanes,
  parseRan,
  SharingModule,
  sharingList,
  Work,
} from '../test/lane-sharing/lane-sharing.handlers';
import { Contender, interleave, median, rate } from './support/measure';
import { deletePrefix, freshPrefix } from './support/redis-tools';
import { Scenario } from './support/scenario';

const BUSY_MS = 3;
const RECOMMENDED = { LOCK_MS: '10000', STALLED_MS: '5000' };
const KEYS = keysCoveringLanes(3);

interface Fleet {
  readonly prefix: string;
  readonly bus: EventBus;
  readonly redis: Redis;
  readonly workers: ChildProcess[];
  close(): Promise<void>;
}

function startWorker(redisUrl: string, prefix: string, env: Record<string, string>): Promise<ChildProcess> {
  const entry = join(__dirname, '..', 'test', 'lane-sharing', 'lane-sharing-worker.ts');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, ...env, REDIS_URL: redisUrl, BUS_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`lane-sharing worker exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited;
}

/** Re-reads `read` every 5 ms until `done` holds (bounded). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `count` worker processes sharing the lanes (each one's share taken), and a publisher. */
async function fleet(redisUrl: string, count: number, env: Record<string, string>): Promise<Fleet> {
  const prefix = freshPrefix('lanes');
  process.env.BUS_PREFIX = prefix; // the handler class reads these (the publisher's instance too)
  process.env.REDIS_URL = redisUrl;
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(redisUrl, prefix, env)));
  const redis = new Redis(redisUrl);
  // The owners hash of the lane leases (libs/event-bus/src/transport/bullmq/lane-leases.ts).
  const owners = `${prefix}:{sharing.work.lane-owners}:owners`;
  await until(
    () => redis.hvals(owners),
    (values) => values.length === 12 && new Set(values).size === count,
    'the lanes to be shared',
  );
  const root: DynamicModule = {
    module: class LaneSharingBenchPublisher {},
    imports: [
      EventBusModule.forRoot({ connection: redisUrl, prefix, role: 'publisher', logManifest: false }),
      SharingModule,
    ],
  };
  const app = await NestFactory.createApplicationContext(root, { logger: ['error'] });
  return {
    prefix,
    bus: app.get(EventBus),
    redis,
    workers,
    close: async () => {
      await app.close();
      await Promise.all(workers.map((worker) => stop(worker, 'SIGTERM')));
      await redis.quit();
      await deletePrefix(redisUrl, prefix);
    },
  };
}

/** Publishes `rounds` rounds of one event per key, each taking `ms`. */
async function publishRounds(bus: EventBus, rounds: number, ms: number, from = 0): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    await bus.publishAll(KEYS.map((key) => new Work(key, from + round, ms)));
  }
  return rounds * KEYS.length;
}

function throughput(redisUrl: string, processes: number, rounds: number): Contender {
  return {
    label: `${processes} processes`,
    sample: async () => {
      const f = await fleet(redisUrl, processes, { BUSY: '1' });
      try {
        return await rate(rounds * KEYS.length, async () => {
          const events = await publishRounds(f.bus, rounds, BUSY_MS);
          await until(
            () => f.redis.llen(sharingList(f.prefix)),
            (n) => n >= events,
            'the jobs handled',
          );
        });
      } finally {
        await f.close();
      }
    },
  };
}

/** One round: a backlog of `ms` jobs, then a process leaves (SIGTERM) or dies (SIGKILL); the gaps of its lanes. */
async function handover(redisUrl: string, signal: 'SIGTERM' | 'SIGKILL', env: Record<string, string>, ms: number) {
  const f = await fleet(redisUrl, 3, env);
  try {
    const since = Date.now();
    const events = await publishRounds(f.bus, 4, ms);
    const leaver = f.workers[0]!;
    await until(
      async () => (await f.redis.lrange(sharingList(f.prefix), 0, -1)).map(parseRan),
      (runs) => runs.some((ran) => ran.pid === leaver.pid),
      'the leaver to run a job',
    );
    const stoppedAt = Date.now();
    await stop(leaver, signal);
    const all = await until(
      async () => (await f.redis.lrange(sharingList(f.prefix), 0, -1)).map(parseRan),
      (runs) => new Set(runs.map((ran) => `${ran.key}#${ran.seq}`)).size >= events,
      'the backlog handled',
    );
    if (signal === 'SIGTERM') return handoverGaps(all, leaver.pid!, since);
    const lanes = new Set(all.filter((ran) => ran.pid === leaver.pid).map((ran) => ran.lane));
    return [...lanes].map(
      (lane) =>
        Math.min(
          ...all.filter((r) => r.lane === lane && r.pid !== leaver.pid && r.start >= stoppedAt).map((r) => r.start),
        ) - stoppedAt,
    );
  } finally {
    await f.close();
  }
}

export const laneSharing: Scenario = async ({ quick, rounds, redisUrl }) => {
  const cpuRounds = quick ? 12 : 40;
  const samples = await interleave(
    [throughput(redisUrl, 3, cpuRounds), throughput(redisUrl, 1, cpuRounds)],
    quick ? 2 : rounds,
  );
  const termGaps: number[] = [];
  for (let round = 0; round < (quick ? 1 : rounds); round++) {
    termGaps.push(...(await handover(redisUrl, 'SIGTERM', {}, 100)));
  }
  const killGaps: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    killGaps.push(...(await handover(redisUrl, 'SIGKILL', RECOMMENDED, 100)));
  }
  const events = cpuRounds * KEYS.length;
  const lockMs = Number(RECOMMENDED.LOCK_MS);
  return [
    {
      id: '9a',
      scenario: `partitioned handler, CPU-bound (${BUSY_MS} ms busy per event, 12 lanes): 3 processes vs 1`,
      ours: '3 consuming processes',
      peer: '1 consuming process',
      unit: 'jobs/s',
      samples,
      goal: { op: '>=', value: 2.5 },
      note:
        `${events.toLocaleString('en-US')} events over ${KEYS.length} keys per sample; CPU-bound work cannot ` +
        `scale past the machine's cores (docs/performance.md, "Lanes across processes")`,
    },
    {
      id: '9b',
      scenario: 'lane handover after SIGTERM of 1 of 3 processes, p50 gap',
      ours: `${termGaps.length} lanes handed over`,
      unit: 'ms',
      value: median(termGaps),
      goal: { op: '<=', value: 500 },
      note: `gap per lane from the leaver's last job end to the lane's next job start elsewhere: ${termGaps.join(', ')}`,
    },
    {
      id: '9c',
      scenario: 'lane handover after SIGTERM of 1 of 3 processes, max gap',
      ours: `${termGaps.length} lanes handed over`,
      unit: 'ms',
      value: Math.max(...termGaps),
      goal: { op: '<=', value: 500 },
    },
    {
      id: '9d',
      scenario: 'lane handover after kill -9 of 1 of 3 processes (lockDuration 10 s, stalledInterval 5 s), max gap',
      ours: `${killGaps.length} lanes taken over`,
      unit: 'ms',
      value: Math.max(...killGaps),
      // Within the lock period: the dead job's lock (taken when it started, just before the kill) is the floor.
      goal: { op: '<=', value: lockMs + 250 },
      note: `gap per lane from the kill to the lane's next job start elsewhere: ${killGaps.join(', ')}`,
    },
  ];
};
