import { Redis } from 'ioredis';
import { BusApp, createBusApp, freshPrefix, redisClient } from '../support/bus-app';
import { Child, runTs } from '../support/child-process';
import { poll } from '../support/deferred';
import {
  Ran,
  SHARING_LANES,
  SharingModule,
  Work,
  keysCoveringLanes,
  parseRan,
  sharingList,
  handoverGaps,
} from './lane-sharing.handlers';

/**
 * Lane sharing across consuming processes (docs/ordering.md, "How lanes are shared"): worker processes of a real Nest
 * app consume one partitioned handler of 12 lanes while this process publishes a steady stream. Lock 2 s and a
 * stalled interval of 30 s: a SIGKILLed worker's lanes can only move within the lock period through the lane leases
 * (BullMQ's own stalled check alone would take 30 s or more).
 */
const LOCK_MS = 2_000;
const WORKER = 'test/lane-sharing/lane-sharing-worker.ts';

jest.setTimeout(180_000);

/** Publishes rounds of one event per key, each once at most one round is still unhandled, until stopped. */
class Feeder {
  published = 0;
  private stopped = false;
  private readonly seq = new Map<string, number>();
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: BusApp,
    private readonly redis: Redis,
    private readonly keys: readonly string[],
    private readonly ms: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.running = (async () => {
      while (!this.stopped) {
        await this.round(this.ms);
        const outstanding = this.published - this.keys.length;
        await poll(
          () => this.redis.llen(sharingList(this.bus.prefix)),
          (handled) => this.stopped || handled >= outstanding,
          'the workers to catch up with the feeder',
          { ms: 60_000, intervalMs: 5 },
        );
      }
    })();
  }

  /** Publishes one event per key, each taking `ms`. */
  async round(ms: number): Promise<void> {
    const round = this.keys.map((key) => {
      const seq = this.seq.get(key) ?? 0;
      this.seq.set(key, seq + 1);
      return new Work(key, seq, ms);
    });
    await this.bus.bus.publishAll(round);
    this.published += round.length;
  }

  async stop(): Promise<number> {
    this.stopped = true;
    await this.running;
    return this.published;
  }
}

/** The last process seen running each lane, over the most recent records. */
async function lastOwners(redis: Redis, prefix: string): Promise<Map<number, number>> {
  const recent = (await redis.lrange(sharingList(prefix), -SHARING_LANES * 12, -1)).map(parseRan);
  const owners = new Map<number, { pid: number; start: number }>();
  for (const ran of recent) {
    const seen = owners.get(ran.lane);
    if (!seen || ran.start >= seen.start) owners.set(ran.lane, { pid: ran.pid, start: ran.start });
  }
  return new Map([...owners].map(([lane, { pid }]) => [lane, pid]));
}

/** Lanes per process, from {@link lastOwners}. */
function lanesPerProcess(owners: Map<number, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const pid of owners.values()) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  return counts;
}

/** Whether every lane was last run by one of `pids`, each running `share` of them. */
function evenlyShared(owners: Map<number, number>, pids: readonly number[]): boolean {
  const counts = lanesPerProcess(owners);
  const share = SHARING_LANES / pids.length;
  return owners.size === SHARING_LANES && pids.every((pid) => counts.get(pid) === share) && counts.size === pids.length;
}

/** Jobs of one lane that overlapped in time (a lane must run one job at a time). */
function overlaps(all: readonly Ran[]): number {
  let count = 0;
  for (let lane = 0; lane < SHARING_LANES; lane++) {
    const runs = all.filter((ran) => ran.lane === lane).sort((a, b) => a.start - b.start);
    let busyUntil = -Infinity;
    for (const ran of runs) {
      if (ran.start < busyUntil) count++;
      busyUntil = Math.max(busyUntil, ran.end);
    }
  }
  return count;
}

/** Steps back in a key's sequence, in the order the jobs started (a redelivery repeats a seq, never goes back). */
function orderViolations(all: readonly Ran[]): number {
  const last = new Map<string, number>();
  let count = 0;
  for (const ran of [...all].sort((a, b) => a.start - b.start)) {
    if (ran.seq < (last.get(ran.key) ?? -1)) count++;
    last.set(ran.key, Math.max(ran.seq, last.get(ran.key) ?? -1));
  }
  return count;
}

const pidOf = (child: Child) => child.process.pid!;

describe('lanes shared across consuming processes', () => {
  it('3 processes take a third of the lanes each; a joiner gets its share; SIGTERM hands over within 500 ms; kill -9 within the lock period; no lane runs two jobs at once', async () => {
    const prefix = freshPrefix();
    const env = { BUS_PREFIX: prefix, LOCK_MS: String(LOCK_MS), STALLED_MS: '30000' };
    const redis = redisClient();
    const start = () => runTs(WORKER, [], env);
    const workers = [start(), start(), start()];
    await Promise.all(workers.map((worker) => worker.printed('worker ready', 60_000)));
    const publisher = await createBusApp({ imports: [SharingModule], prefix, bus: { role: 'publisher' } });
    const feeder = new Feeder(publisher, redis, keysCoveringLanes(3), 5);
    feeder.start();
    const report: string[] = [];

    // Fair share: 4 lanes each, and about a third of the jobs each once shared.
    const three = workers.map(pidOf);
    await poll(
      () => lastOwners(redis, prefix),
      (owners) => evenlyShared(owners, three),
      '4 lanes per process',
      {
        ms: 15_000,
        intervalMs: 20,
      },
    );
    const shareFrom = await redis.llen(sharingList(prefix));
    await poll(
      () => redis.llen(sharingList(prefix)),
      (n) => n >= shareFrom + 600,
      '600 more jobs',
      { ms: 30_000 },
    );
    const window = (await redis.lrange(sharingList(prefix), shareFrom, shareFrom + 599)).map(parseRan);
    const jobsPerPid = three.map((pid) => window.filter((ran) => ran.pid === pid).length);
    report.push(`fair share: jobs per process over 600 jobs ${jobsPerPid.join('/')}`);
    for (const jobs of jobsPerPid) expect(jobs).toBeGreaterThanOrEqual(600 * 0.25);

    // Join: a fourth process gets its 3 lanes within a few seconds.
    const joiner = start();
    await joiner.printed('worker ready', 60_000);
    const joinedAt = Date.now();
    const four = [...three, pidOf(joiner)];
    await poll(
      () => lastOwners(redis, prefix),
      (owners) => evenlyShared(owners, four),
      '3 lanes per process',
      {
        ms: 10_000,
        intervalMs: 20,
      },
    );
    const joinMs = Date.now() - joinedAt;
    report.push(`join: the 4th process ran its 3 lanes ${joinMs} ms after it was ready`);
    expect(joinMs).toBeLessThan(5_000);

    // SIGTERM: the leaver's lanes go on elsewhere within 500 ms of its last job there. Nothing is published
    // meanwhile (a publish would wake the lane's waiting workers itself): a backlog of 300 ms jobs is there.
    await feeder.stop();
    const handledBefore = await redis.llen(sharingList(prefix));
    const burstAt = Date.now();
    for (let i = 0; i < 2; i++) await feeder.round(300);
    const leaver = workers[0]!;
    await poll(
      async () => (await redis.lrange(sharingList(prefix), handledBefore, -1)).map(parseRan),
      (runs) => runs.some((ran) => ran.pid === pidOf(leaver) && ran.end - ran.start >= 300),
      'the leaver to run a job of the backlog',
    );
    const leftFrom = Date.now();
    await leaver.stop('SIGTERM'); // Nest's shutdown hooks close the app, then re-raise the signal
    const survivors = four.filter((pid) => pid !== pidOf(leaver));
    await poll(
      () => lastOwners(redis, prefix),
      (owners) => evenlyShared(owners, survivors),
      'the leaver’s lanes taken',
    );
    const termGaps = handoverGaps(
      (await redis.lrange(sharingList(prefix), 0, -1)).map(parseRan),
      pidOf(leaver),
      burstAt,
    );
    report.push(
      `SIGTERM handover: ${termGaps.length} lanes, gaps ${termGaps.join(', ')} ms (max ${Math.max(...termGaps)})`,
    );
    expect(termGaps.length).toBe(3);
    expect(Math.max(...termGaps)).toBeLessThan(500);

    // kill -9: the dead process's lanes go on elsewhere within the lock period (its lease runs out by then, and a
    // heartbeat is due at that moment), its running job (locked by the dead process) first.
    await poll(
      () => redis.llen(sharingList(prefix)),
      (n) => n >= feeder.published,
      'the backlog handled',
      {
        ms: 30_000,
        intervalMs: 20,
      },
    );
    const secondBurstFrom = await redis.llen(sharingList(prefix));
    for (let i = 0; i < 2; i++) await feeder.round(300);
    const victim = workers[1]!;
    await poll(
      async () => (await redis.lrange(sharingList(prefix), secondBurstFrom, -1)).map(parseRan),
      (runs) => runs.some((ran) => ran.pid === pidOf(victim) && ran.end - ran.start >= 300),
      'the victim to run a job of the backlog',
    );
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    const rest = survivors.filter((pid) => pid !== pidOf(victim));
    await poll(
      () => lastOwners(redis, prefix),
      (owners) => evenlyShared(owners, rest),
      'the dead process’s lanes taken',
      {
        ms: 20_000,
        intervalMs: 20,
      },
    );
    const all = (await redis.lrange(sharingList(prefix), 0, -1)).map(parseRan);
    const victimLanes = new Set(
      all.filter((ran) => ran.pid === pidOf(victim) && ran.start >= leftFrom).map((r) => r.lane),
    );
    const killGaps = [...victimLanes].map(
      (lane) =>
        Math.min(
          ...all
            .filter((ran) => ran.lane === lane && ran.pid !== pidOf(victim) && ran.start >= killedAt)
            .map((r) => r.start),
        ) - killedAt,
    );
    report.push(
      `kill -9: ${killGaps.length} lanes resumed elsewhere after ${killGaps.join(', ')} ms (lock ${LOCK_MS} ms)`,
    );
    expect(killGaps.length).toBeGreaterThan(0);
    expect(Math.max(...killGaps)).toBeLessThan(LOCK_MS + 500);

    // Everything published is handled, in order per key, and no lane ever ran two jobs at once.
    const published = feeder.published;
    const handled = await poll(
      async () => (await redis.lrange(sharingList(prefix), 0, -1)).map(parseRan),
      (runs) => new Set(runs.map((ran) => `${ran.key}#${ran.seq}`)).size >= published,
      'every published job handled',
      { ms: 30_000, intervalMs: 50 },
    );
    const lost = published - new Set(handled.map((ran) => `${ran.key}#${ran.seq}`)).size;
    const overlapping = overlaps(handled);
    const violations = orderViolations(handled);
    report.push(
      `published=${published} handled=${handled.length} lost=${lost} violations=${violations} lane overlaps=${overlapping}`,
    );
    process.stdout.write(`lane sharing:\n  ${report.join('\n  ')}\n`);
    expect({ lost, violations, overlapping }).toEqual({ lost: 0, violations: 0, overlapping: 0 });
  });
});
