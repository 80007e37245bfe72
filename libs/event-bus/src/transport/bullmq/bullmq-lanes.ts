import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Job, Queue, RateLimitError } from 'bullmq';
import { Redis } from 'ioredis';
import { EventBusConfigError, UnrecoverableEventError, isUnrecoverableError } from '../../errors';
import { partitionKeyOfJob as partitionKeyOf } from '../../contracts/event-envelope';
import { laneQueueName } from '../../contracts/lane-names';
import { backoffDelay } from '../backoff';
import { ConsumerSpec, LaneGroup, LaneSpec, ParkedKey, ReleaseMode } from '../../contracts/event-transport';

/** Data of the control job that releases a parked key, run at the head of its lane. */
interface ReleaseControl {
  readonly control: 'release';
  readonly key: string;
  readonly mode: ReleaseMode;
}

/** A job set aside behind a parked key (the dead one first), as stored to be re-added on release. */
interface SetAsideJob {
  readonly jobId: string;
  readonly name: string;
  readonly data: unknown;
}

/** Why a key was parked. */
interface ParkInfo {
  readonly eventId: string;
  readonly handlerId?: string;
  readonly jobId: string;
  readonly error: string;
  readonly parkedAt: string;
}

const RELEASE_JOB_NAME = 'bus.release-parked-key';

// KEYS: parked hash, set-aside zset, set-aside data hash, sequence. ARGV: key, job id, job json[, park info json].
// Adds the job to the key's set-aside list once (a re-run after a crash adds nothing), in arrival order.
const SET_ASIDE = `
if redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[3]) == 1 then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[2])
end
return 1`;

/** Sets the job aside if its key is parked; returns 1 if it did. */
const SET_ASIDE_IF_PARKED = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end${SET_ASIDE}`;

/** Parks the key, its dead job first in line. */
const PARK = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])${SET_ASIDE}`;

type LaneCommands = Redis & {
  busSetAsideIfParked(
    k1: string,
    k2: string,
    k3: string,
    k4: string,
    key: string,
    id: string,
    job: string,
  ): Promise<number>;
  busPark(
    k1: string,
    k2: string,
    k3: string,
    k4: string,
    key: string,
    id: string,
    job: string,
    info: string,
  ): Promise<number>;
};

/** What the lanes need from the transport that owns them. */
export interface LaneHost {
  prefix(): string;
  client(): Redis;
  queue(name: string): Queue;
  /** Writes jobs in one MULTI; throws on the first failed job. */
  addJobs(jobs: readonly Job[]): Promise<void>;
}

/**
 * Partition lanes on open-source BullMQ. A lane is a queue with global concurrency 1 (enforced by BullMQ's Lua
 * across all worker processes), so its jobs run one at a time in list order. A failed try is retried in place:
 * the lane is rate-limited for the backoff and the job goes back to the head of the list (BullMQ's own retries
 * would put it behind later events of its key). Exhausted: dead-letter (failed set, lane goes on) or park (the key's
 * later jobs are set aside in order until released, other keys go on).
 */
export class BullMqLanes {
  private readonly logger = new Logger('EventBus');
  private commandsDefined = false;

  constructor(private readonly host: LaneHost) {}

  /** Runs one job of a lane through `spec.process`, with the lane semantics. */
  async process(spec: ConsumerSpec & { lane: LaneSpec }, job: Job): Promise<unknown> {
    const control = asReleaseControl(job.data);
    if (control) return this.runRelease(spec.queue, job, control);
    const key = partitionKeyOf(job.data);
    // Only a 'park' handler can have parked keys; a dead-letter lane saves the round trip of the check.
    if (spec.lane.onExhausted === 'park' && key !== undefined && (await this.setAsideIfParked(spec.queue, key, job))) {
      return { setAside: true, key };
    }
    const attempt = job.attemptsStarted;
    try {
      // A run cut short (its worker died or stopped mid-job, the job stalled) was charged as a try; when it was the
      // last one, the job is exhausted here instead of getting a try beyond `attempts`.
      if (attempt > spec.lane.attempts) throw new UnrecoverableEventError(cutShortReason(attempt, spec.lane.attempts));
      return await spec.process(job.data, { jobId: job.id, attempt, maxAttempts: spec.lane.attempts });
    } catch (error) {
      if (!isUnrecoverableError(error) && attempt < spec.lane.attempts) {
        const delay = Math.max(1, backoffDelay(spec.lane.backoff, attempt));
        await job.log(
          `attempt ${attempt}/${spec.lane.attempts} failed, retrying in place in ${delay} ms: ${describe(error)}`,
        );
        await this.host.queue(spec.queue).rateLimit(delay);
        throw new RateLimitError();
      }
      if (spec.lane.onExhausted === 'park' && key !== undefined) await this.park(spec.queue, key, job, error);
      throw error;
    }
  }

  /**
   * At every boot: every lane serves one job at a time across all processes (reset if someone changed it), and the
   * lane count of a handler only changes while its old lanes are empty.
   */
  async prepare(groups: readonly LaneGroup[]): Promise<void> {
    for (const group of groups) {
      await Promise.all(group.laneQueues.map((name) => this.assertGlobalConcurrency(name)));
      await this.checkLaneCount(group);
    }
  }

  async listParked(groups: readonly LaneGroup[]): Promise<ParkedKey[]> {
    const client = this.host.client();
    const parked: ParkedKey[] = [];
    for (const { group, laneQueues } of groups) {
      for (const queue of laneQueues) {
        const entries = await client.hgetall(this.key(queue, 'parked'));
        for (const [key, json] of Object.entries(entries)) {
          const info = JSON.parse(json) as ParkInfo;
          const setAside = await client.zcard(this.parkedKeys(queue, key)[1]);
          parked.push({
            group,
            handlerId: info.handlerId ?? group,
            queue,
            key,
            eventId: info.eventId,
            jobId: info.jobId,
            error: info.error,
            parkedAt: new Date(info.parkedAt),
            setAside,
          });
        }
      }
    }
    return parked.sort((a, b) => a.parkedAt.getTime() - b.parkedAt.getTime());
  }

  /** Queues the release of a parked key at the head of its lane (it runs before any later job of the lane). */
  async release(queue: string, key: string, mode: ReleaseMode): Promise<void> {
    const control: ReleaseControl = { control: 'release', key, mode };
    await this.host.queue(queue).add(RELEASE_JOB_NAME, control, {
      jobId: `release-${randomUUID()}`,
      lifo: true,
      attempts: 1,
      removeOnComplete: { age: 86_400 },
      removeOnFail: false,
    });
  }

  private async runRelease(queue: string, control: Job, { key, mode }: ReleaseControl): Promise<unknown> {
    const client = this.host.client();
    const [parkedHash, zset, dataHash, sequence] = this.parkedKeys(queue, key);
    if (!(await client.hexists(parkedHash, key))) return { released: 0, key, note: 'key was not parked' };
    const ids = await client.zrange(zset, '0', '-1');
    const stored = ids.length > 0 ? await client.hmget(dataHash, ...ids) : [];
    const jobs = stored.map((json) => JSON.parse(json!) as SetAsideJob);
    const resumed = mode === 'skip' ? jobs.slice(1) : jobs;
    // lifo puts each job at the head: add them last-first so the first ends up first. Ids derive from the control
    // job's, so a release that crashed half-way and runs again adds nothing twice.
    const lane = this.host.queue(queue);
    await this.host.addJobs(
      [...resumed]
        .reverse()
        .map(
          (job) =>
            new Job(
              lane,
              job.name,
              job.data,
              { jobId: `${job.jobId}.${control.id}`, lifo: true, attempts: 1 },
              `${job.jobId}.${control.id}`,
            ),
        ),
    );
    await client.multi().hdel(parkedHash, key).del(zset, dataHash, sequence).exec();
    this.logger.log(
      `Released parked key "${key}" of ${queue}: ${mode === 'skip' ? 'skipped the dead event, ' : ''}${resumed.length} event(s) resumed in order`,
    );
    return { released: resumed.length, key, mode };
  }

  private async setAsideIfParked(queue: string, key: string, job: Job): Promise<boolean> {
    const [a, b, c, d] = this.parkedKeys(queue, key);
    const result = await this.commands().busSetAsideIfParked(a, b, c, d, key, job.id!, snapshot(job));
    return result === 1;
  }

  private async park(queue: string, key: string, job: Job, error: unknown): Promise<void> {
    const [a, b, c, d] = this.parkedKeys(queue, key);
    const data = job.data as { id?: unknown; handler?: unknown };
    const info: ParkInfo = {
      eventId: typeof data.id === 'string' ? data.id : '',
      ...(typeof data.handler === 'string' ? { handlerId: data.handler } : {}),
      jobId: job.id!,
      error: describe(error),
      parkedAt: new Date().toISOString(),
    };
    await this.commands().busPark(a, b, c, d, key, job.id!, snapshot(job), JSON.stringify(info));
    this.logger.warn(`Parked key "${key}" of ${queue}: event ${info.eventId} exhausted its attempts (${info.error})`);
  }

  private async assertGlobalConcurrency(name: string): Promise<void> {
    const queue = this.host.queue(name);
    const current = await queue.getGlobalConcurrency();
    if (current === 1) return;
    if (current !== null) {
      this.logger.warn(
        `Lane ${name} had global concurrency ${current}; reset to 1 (lanes must run one job at a time).`,
      );
    }
    await queue.setGlobalConcurrency(1);
  }

  private async checkLaneCount({ group, laneQueues }: LaneGroup): Promise<void> {
    const client = this.host.client();
    const countKey = `${this.host.prefix()}:lanes:${group}`;
    const stored = Number(await client.get(countKey)) || undefined;
    if (stored === laneQueues.length) return;
    if (stored !== undefined) {
      const busy: string[] = [];
      for (let lane = 0; lane < stored; lane++) {
        const name = laneQueueName(group, lane);
        const counts = await this.host.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const jobs = Object.values(counts).reduce((sum, n) => sum + n, 0);
        const parked = await client.hlen(this.key(name, 'parked'));
        if (jobs + parked > 0) busy.push(`${name}: ${jobs} job(s)${parked ? `, ${parked} parked key(s)` : ''}`);
      }
      if (busy.length > 0) {
        throw new EventBusConfigError(
          `Lane group "${group}" is configured with ${laneQueues.length} lanes, but its ${stored} lanes in Redis still ` +
            `hold work (${busy.join('; ')}). Changing the lane count moves keys to other lanes, which would break ` +
            `per-key order for events in flight. Keep lanes: ${stored} until those lanes are drained (stop the ` +
            `publishers, let the workers finish, release or skip parked keys), then change it.`,
        );
      }
      this.logger.log(
        `Lane group "${group}": lane count changed from ${stored} to ${laneQueues.length} (old lanes were empty).`,
      );
    }
    await client.set(countKey, String(laneQueues.length));
  }

  private key(queue: string, suffix: string): string {
    return `${this.host.prefix()}:${queue}:${suffix}`;
  }

  /** Keys of a parked key's state; all carry the lane's hash tag, so one script can touch them on a cluster. */
  private parkedKeys(queue: string, key: string): [string, string, string, string] {
    const base = this.key(queue, `parked:${key}`);
    return [this.key(queue, 'parked'), `${base}:jobs`, `${base}:data`, `${base}:seq`];
  }

  private commands(): LaneCommands {
    const client = this.host.client();
    if (!this.commandsDefined) {
      client.defineCommand('busSetAsideIfParked', { numberOfKeys: 4, lua: SET_ASIDE_IF_PARKED });
      client.defineCommand('busPark', { numberOfKeys: 4, lua: PARK });
      this.commandsDefined = true;
    }
    return client as LaneCommands;
  }
}

function asReleaseControl(data: unknown): ReleaseControl | undefined {
  const control = data as Partial<ReleaseControl> | null;
  return control && typeof control === 'object' && control.control === 'release' && typeof control.key === 'string'
    ? (control as ReleaseControl)
    : undefined;
}

function cutShortReason(attempt: number, attempts: number): string {
  return (
    `no attempts left (this would be attempt ${attempt} of ${attempts}): a run was cut short by a worker that ` +
    `stopped or died mid-job (its lock expired, the job stalled), and a partitioned handler counts such a run as a try`
  );
}

function snapshot(job: Job): string {
  const entry: SetAsideJob = { jobId: job.id!, name: job.name, data: job.data };
  return JSON.stringify(entry);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
