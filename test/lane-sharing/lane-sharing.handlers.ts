import { Injectable, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';
import { laneOf } from 'nestjs-durable-bus/transport';

/** One unit of work of the lane-sharing test: its key, its place in the key's sequence, how long it takes. */
@BusEvent('sharing.work', { partitionKey: 'key' })
export class Work {
  constructor(
    readonly key: string,
    readonly seq: number,
    readonly ms: number,
  ) {}
}

export const SHARING_LANES = 12;

/** Where the handler records each job it ran (`lane|key|seq|pid|start|end`), read by the test. */
export const sharingList = (prefix: string) => `${prefix}:test:sharing`;

/** One handled job, as recorded. */
export interface Ran {
  readonly lane: number;
  readonly key: string;
  readonly seq: number;
  readonly pid: number;
  readonly start: number;
  readonly end: number;
}

export function parseRan(entry: string): Ran {
  const [lane, key, seq, pid, start, end] = entry.split('|') as [string, string, string, string, string, string];
  return { lane: Number(lane), key, seq: Number(seq), pid: Number(pid), start: Number(start), end: Number(end) };
}

/** For each lane `pid` ran, the ms from its last job there (its end) to the next job of the lane elsewhere. */
export function handoverGaps(all: readonly Ran[], pid: number, since: number): number[] {
  const gaps: number[] = [];
  for (let lane = 0; lane < SHARING_LANES; lane++) {
    const mine = all.filter((ran) => ran.lane === lane && ran.pid === pid && ran.start >= since);
    if (mine.length === 0) continue;
    const lastEnd = Math.max(...mine.map((ran) => ran.end));
    const next = all.filter((ran) => ran.lane === lane && ran.pid !== pid && ran.start >= lastEnd);
    if (next.length > 0) gaps.push(Math.min(...next.map((ran) => ran.start)) - lastEnd);
  }
  return gaps;
}

/** Keys spread so that every lane gets `perLane` of them. */
export function keysCoveringLanes(perLane: number): string[] {
  const counts = new Array<number>(SHARING_LANES).fill(0);
  const keys: string[] = [];
  for (let i = 0; keys.length < SHARING_LANES * perLane && i < 100_000; i++) {
    const key = `key-${i}`;
    const lane = laneOf(key, SHARING_LANES);
    if (counts[lane]! < perLane) {
      counts[lane]!++;
      keys.push(key);
    }
  }
  return keys;
}

/** The partitioned handler the worker processes run: it waits `ms` (or spins, with `BUSY=1`) and records the job. */
@Injectable()
export class SharingHandlers {
  private readonly redis = new Redis(process.env.REDIS_URL!);

  @OnEventAsync(Work, { id: 'sharing.work', lanes: SHARING_LANES })
  async work(event: Work) {
    const start = Date.now();
    if (process.env.BUSY === '1') {
      while (Date.now() - start < event.ms) {
        // CPU-bound work: the event loop is busy for the whole job
      }
    } else {
      await new Promise((resolve) => setTimeout(resolve, event.ms));
    }
    const end = Date.now();
    const lane = laneOf(event.key, SHARING_LANES);
    await this.redis.rpush(
      sharingList(process.env.BUS_PREFIX!),
      `${lane}|${event.key}|${event.seq}|${process.pid}|${start}|${end}`,
    );
  }

  async onApplicationShutdown() {
    await this.redis.quit();
  }
}

@Module({ providers: [SharingHandlers] })
export class SharingModule {}
