import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Job, JobJson, Processor, Worker, WorkerOptions } from 'bullmq';
import { UnreadableJobData } from '../../contracts/event-transport';

/**
 * A Worker that survives a job hash it cannot read. BullMQ parses a fetched job's `opts` (and `progress`, `parent`)
 * while moving it to active, before any processor runs: a field that is not JSON made that fetch throw, and the job
 * sat active, unowned, until the stalled check (a minute with default options) put it back to be fetched and fail
 * again. Its `data` is parsed later, building the Job, where a failure retried it forever. Here either is replaced by
 * a neutral value, the job is built with {@link UnreadableJobData} saying which field and why, and the processor
 * fails it at once with that reason, like any job it cannot handle.
 */
export class EventWorker extends Worker {
  /** Fetched jobs whose hash had a field that is not JSON, by job id, until the Job is built. */
  private readonly unreadable = new Map<string, UnreadableJobData>();
  private readonly logger = new Logger('EventBus');
  private reclaiming = Promise.resolve();

  constructor(name: string, processor: Processor, options: WorkerOptions) {
    super(name, processor, options);
    this.guardFetchedJobs(); // before the first fetch: run() starts it after an await
    this.reclaimLostFetches();
  }

  protected override createJob(data: JobJson, jobId: string): Job {
    const unreadable = this.unreadable.get(jobId);
    if (unreadable) {
      this.unreadable.delete(jobId);
      return this.createUnreadableJob(data, jobId, unreadable);
    }
    try {
      return super.createJob(data, jobId);
    } catch (error) {
      const reason = new UnreadableJobData(String(data.data).slice(0, 120), (error as Error).message);
      return this.createUnreadableJob(data, jobId, reason);
    }
  }

  /** A Job of neutral data carrying `unreadable`, which the processor fails with its reason. */
  private createUnreadableJob(data: JobJson, jobId: string, unreadable: UnreadableJobData): Job {
    const job = super.createJob({ ...data, data: '{}' }, jobId);
    job.data = unreadable;
    return job;
  }

  /** Wraps the backend's script runner, so a fetched job's hash is screened before BullMQ parses it. */
  private guardFetchedJobs(): void {
    const backend = this.getBackend() as unknown as { execCommand?: ExecCommand };
    const exec = backend.execCommand;
    if (typeof exec !== 'function') return; // not the Redis backend: nothing of ours to guard
    backend.execCommand = (client, command, args) => {
      const result = exec.call(backend, client, command, args);
      if (!FETCHING_COMMANDS.has(command)) return result;
      return Promise.resolve(result).then((raw: unknown) => {
        this.screen(raw);
        return raw;
      });
    };
  }

  /**
   * Finishing a job also fetches the next one (`fetchNext`), locked with the same token. When Redis goes away with
   * that script run but its reply not received, ioredis sends it again on reconnect: it fails (`Missing lock`, the
   * job being finished already), and the job it had fetched is active, locked with a token nobody holds, until the
   * lock expires and a stalled check puts it back (up to `lockDuration` + `stalledInterval`, a minute by default;
   * its events handled that much later). So when such a call fails, the jobs still locked with its token are put
   * back at the head of the queue at once, their start uncounted.
   */
  private reclaimLostFetches(): void {
    const backend = this.getBackend() as unknown as Partial<FinishingCalls>;
    const { moveToCompleted, moveToFailed, moveToDelayed } = backend;
    if (!moveToCompleted || !moveToFailed || !moveToDelayed) return; // not BullMQ 6's Redis backend
    const onFailure = async <R>(finishing: Promise<R>, token: unknown, fetchNext: unknown): Promise<R> => {
      try {
        return await finishing;
      } catch (error) {
        if (fetchNext && typeof token === 'string') {
          // One at a time: a failed completion is followed by a failed retry with the same token.
          this.reclaiming = this.reclaiming.then(() => this.reclaim(token));
        }
        throw error;
      }
    };
    const calls: FinishingCalls = {
      moveToCompleted: (job, value, remove, token, fetchNext) =>
        onFailure(moveToCompleted.call(backend, job, value, remove, token, fetchNext), token, fetchNext),
      moveToFailed: (job, reason, remove, token, fetchNext, fields) =>
        onFailure(moveToFailed.call(backend, job, reason, remove, token, fetchNext, fields), token, fetchNext),
      moveToDelayed: (id, timestamp, delay, token, opts) =>
        onFailure(moveToDelayed.call(backend, id, timestamp, delay, token, opts), token, opts?.fetchNext),
    };
    Object.assign(backend, calls);
  }

  /** Puts the active jobs locked with `token` (fetched for a call that failed) back at the head of the queue. */
  private async reclaim(token: string): Promise<void> {
    try {
      const client = (await this.getBackend().client) as unknown as Redis; // BullMQ's Redis backend: an ioredis client
      const ids = (await client.eval(UNCOUNT_STARTS, 1, this.toKey('active'), this.toKey(''), token)) as string[];
      for (const id of ids) {
        await this.getBackend().moveJobFromActiveToWait(id, token);
        this.logger.warn(
          `Worker ${this.name}: job ${id} was fetched by a reply lost with the connection to Redis; put back to wait`,
        );
      }
    } catch {
      // Best effort: what is not put back here the stalled check puts back after its lock expires.
    }
  }

  /** `raw` is a fetching script's reply: `[job hash as field/value pairs, job id, …]`, or a number. */
  private screen(raw: unknown): void {
    if (!Array.isArray(raw) || !Array.isArray(raw[0]) || typeof raw[1] !== 'string') return;
    const hash = raw[0] as unknown[];
    for (let i = 0; i + 1 < hash.length; i += 2) {
      const field = hash[i];
      const neutral = typeof field === 'string' ? NEUTRAL_VALUES.get(field) : undefined;
      const value = hash[i + 1];
      if (neutral === undefined || typeof value !== 'string' || value === '') continue;
      const unreadable = unreadableField(field as string, value);
      if (unreadable) {
        hash[i + 1] = neutral;
        if (!this.unreadable.has(raw[1])) this.unreadable.set(raw[1], unreadable);
      }
    }
  }
}

/**
 * Why BullMQ cannot read `value` as the job's `field`, or undefined when it can: not JSON, or, for `opts` (which
 * BullMQ destructures: `null` threw while fetching, like a parse error) and `parent`, JSON that is not an object (a
 * string or an array ran the job with garbage for options).
 */
function unreadableField(field: string, value: string): UnreadableJobData | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return new UnreadableJobData(value.slice(0, 120), (error as Error).message, field);
  }
  if (field === 'progress' || (field === 'parent' && parsed === null)) return undefined;
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    return field === 'opts' ? unreadableOption(value, parsed as Record<string, unknown>) : undefined;
  }
  const got = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
  return new UnreadableJobData(value.slice(0, 120), `it is ${got}`, field, 'a JSON object');
}

/**
 * The job options BullMQ counts with, checked for their type: `attempts: "many"` made every comparison false, so the
 * job ran with no retry budget anyone had set.
 */
function unreadableOption(value: string, opts: Record<string, unknown>): UnreadableJobData | undefined {
  for (const [name, min] of NUMERIC_OPTIONS) {
    const option = opts[name];
    if (option === undefined || (typeof option === 'number' && Number.isInteger(option) && option >= min)) continue;
    return new UnreadableJobData(
      value.slice(0, 120),
      `its ${name} is ${JSON.stringify(option)}`,
      'opts',
      `options BullMQ can use (${name} an integer ≥ ${min})`,
    );
  }
  return undefined;
}

/** Job options that must be integers, with their least value. */
const NUMERIC_OPTIONS: readonly (readonly [string, number])[] = [
  ['attempts', 0],
  ['delay', 0],
  ['priority', 0],
];

/** The backend calls that finish a job and may fetch the next one (BullMQ 6's Redis backend). */
interface FinishingCalls {
  moveToCompleted: (
    job: unknown,
    value: unknown,
    remove: unknown,
    token: string,
    fetchNext: boolean,
  ) => Promise<unknown>;
  moveToFailed: (
    job: unknown,
    reason: string,
    remove: unknown,
    token: string,
    fetchNext: boolean,
    fields?: unknown,
  ) => Promise<unknown>;
  moveToDelayed: (
    id: string,
    timestamp: number,
    delay: number,
    token?: string,
    opts?: { fetchNext?: boolean },
  ) => Promise<unknown>;
}

/**
 * KEYS[1] the active list, ARGV[1] the queue's key prefix (`<prefix>:<queue>:`), ARGV[2] a lock token: the ids of
 * the active jobs still locked with that token, each with the start its fetch counted taken back (`ctx.attempt`
 * counts starts, and this one never ran).
 */
const UNCOUNT_STARTS = `
local ids = {}
for _, id in ipairs(redis.call("LRANGE", KEYS[1], 0, -1)) do
  if redis.call("GET", ARGV[1] .. id .. ":lock") == ARGV[2] then
    redis.call("HINCRBY", ARGV[1] .. id, "ats", -1)
    table.insert(ids, id)
  end
end
return ids`;

type ExecCommand = (client: unknown, command: string, args: unknown[]) => unknown;

/** BullMQ's scripts that fetch the next job and return its hash. */
const FETCHING_COMMANDS = new Set(['moveToActive', 'moveToFinished', 'moveToDelayed']);

/** The job hash fields BullMQ JSON-parses while fetching, with the value each is replaced by when it is not JSON. */
const NEUTRAL_VALUES = new Map([
  ['opts', '{}'],
  ['progress', '0'],
  ['parent', ''],
]);
