import { Job, JobJson, Processor, Worker, WorkerOptions } from 'bullmq';
import { UnreadableJobData } from '../event-transport';

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

  constructor(name: string, processor: Processor, options: WorkerOptions) {
    super(name, processor, options);
    this.guardFetchedJobs(); // before the first fetch: run() starts it after an await
  }

  protected override createJob(data: JobJson, jobId: string): Job {
    const unreadable = this.unreadable.get(jobId);
    if (unreadable) {
      this.unreadable.delete(jobId);
      const job = super.createJob({ ...data, data: '{}' }, jobId);
      job.data = unreadable;
      return job;
    }
    try {
      return super.createJob(data, jobId);
    } catch (error) {
      const job = super.createJob({ ...data, data: '{}' }, jobId);
      job.data = new UnreadableJobData(String(data.data).slice(0, 120), (error as Error).message);
      return job;
    }
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

  /** `raw` is a fetching script's reply: `[job hash as field/value pairs, job id, …]`, or a number. */
  private screen(raw: unknown): void {
    if (!Array.isArray(raw) || !Array.isArray(raw[0]) || typeof raw[1] !== 'string') return;
    const hash = raw[0] as unknown[];
    for (let i = 0; i + 1 < hash.length; i += 2) {
      const field = hash[i];
      const neutral = typeof field === 'string' ? NEUTRAL_VALUES.get(field) : undefined;
      const value = hash[i + 1];
      if (neutral === undefined || typeof value !== 'string' || value === '') continue;
      try {
        JSON.parse(value);
      } catch (error) {
        hash[i + 1] = neutral;
        if (typeof field === 'string' && !this.unreadable.has(raw[1])) {
          this.unreadable.set(raw[1], new UnreadableJobData(value.slice(0, 120), (error as Error).message, field));
        }
      }
    }
  }
}

type ExecCommand = (client: unknown, command: string, args: unknown[]) => unknown;

/** BullMQ's scripts that fetch the next job and return its hash. */
const FETCHING_COMMANDS = new Set(['moveToActive', 'moveToFinished', 'moveToDelayed']);

/** The job hash fields BullMQ JSON-parses while fetching, with the value each is replaced by when it is not JSON. */
const NEUTRAL_VALUES = new Map([
  ['opts', '{}'],
  ['progress', '0'],
  ['parent', ''],
]);
