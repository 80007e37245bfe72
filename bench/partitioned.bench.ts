/**
 * Scenario 4: partitioned vs unpartitioned, jobs/s end to end. The same events (keyed over 500 accounts) go to one
 * async handler consumed by 3 worker processes: as a partitioned handler (16 lanes, one job per lane at a time,
 * cluster-wide) vs the same handler with `partitionBy: false` (parallel queue, concurrency 10 per process).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { EventBus, EventBusModule } from 'nestjs-durable-bus';
import { Contender, fromCallers, interleave, rate } from './support/measure';
import { BenchAccountPosted, doneCounter, PartitionedModule, UnpartitionedModule } from './support/partition-handlers';
import { deletePrefix, freshPrefix } from './support/redis-tools';
import { Scenario } from './support/scenario';

const WORKERS = 3;
const ACCOUNTS = 500;
const CALLERS = 64;

type Mode = 'partitioned' | 'unpartitioned';

function startWorker(mode: Mode, redisUrl: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'partition-worker.ts')], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, MODE: mode, REDIS_URL: redisUrl, BUS_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`partition worker exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Polls the done counter (every 5 ms) until it reaches `target`. */
async function waitForCount(redis: Redis, key: string, target: number): Promise<void> {
  while (Number(await redis.get(key)) < target) await new Promise((resolve) => setTimeout(resolve, 5));
}

function contender(mode: Mode, redisUrl: string, events: number): Contender {
  return {
    label: mode,
    sample: async () => {
      const prefix = freshPrefix(mode);
      // The handler classes read these (the publisher's instances too).
      process.env.BUS_PREFIX = prefix;
      process.env.REDIS_URL = redisUrl;
      const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorker(mode, redisUrl, prefix)));
      const root: DynamicModule = {
        module: class PartitionBenchPublisher {},
        imports: [
          EventBusModule.forRoot({ connection: redisUrl, prefix, role: 'publisher', logManifest: false }),
          mode === 'partitioned' ? PartitionedModule : UnpartitionedModule,
        ],
      };
      const app = await NestFactory.createApplicationContext(root, { logger: ['error'] });
      const redis = new Redis(redisUrl);
      try {
        const bus = app.get(EventBus);
        return await rate(events, async () => {
          await fromCallers(events, CALLERS, (i) => bus.publish(new BenchAccountPosted(`acc-${i % ACCOUNTS}`, i, i)));
          await waitForCount(redis, doneCounter(prefix), events);
        });
      } finally {
        await app.close();
        await Promise.all(workers.map(stopWorker));
        await redis.quit();
        await deletePrefix(redisUrl, prefix);
      }
    },
  };
}

export const partitioned: Scenario = async ({ quick, rounds, redisUrl }) => {
  const events = quick ? 2_000 : 6_000;
  const samples = await interleave(
    [contender('partitioned', redisUrl, events), contender('unpartitioned', redisUrl, events)],
    rounds,
  );
  return [
    {
      id: '4',
      scenario: 'partitioned vs unpartitioned handler, 3 worker processes',
      ours: 'partitioned (16 lanes)',
      peer: 'same handler, partitionBy: false (concurrency 10 × 3)',
      unit: 'jobs/s',
      samples,
      goal: { op: '>=', value: 0.5 },
      note: `${events.toLocaleString('en-US')} events over ${ACCOUNTS} keys per sample, end to end`,
    },
  ];
};
