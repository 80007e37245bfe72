import { Logger } from '@nestjs/common';
import { isUnrecoverableError } from '../../errors';
import { partitionKeyOfJob as partitionKeyOf } from '../../contracts/event-envelope';
import { backoffDelay } from '../backoff';
import {
  ConsumerSpec,
  EventTransport,
  LaneGroup,
  OutgoingJob,
  ParkedKey,
  ReleaseMode,
} from '../../contracts/event-transport';

/** A job of the in-memory transport, as tests and tools can inspect it. */
export interface InMemoryJob {
  readonly queue: string;
  readonly id: string;
  readonly name: string;
  /** The data as the handler receives it (after a JSON round trip, like Redis would store it). */
  readonly data: unknown;
  readonly maxAttempts: number;
  state: 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';
  attemptsMade: number;
  failedReason?: string;
  stacktrace: string[];
  returnValue?: unknown;
}

interface Waiting {
  job: InMemoryJob;
  outgoing: OutgoingJob;
  seq: number;
}

interface QueueState {
  consumer: ConsumerSpec | undefined;
  running: number;
  /** Waiting jobs, highest priority first, FIFO within a priority. */
  waiting: Waiting[];
  /** A lane waiting out a retry's backoff (its failed job is back at the head). */
  backingOff: boolean;
  /** Parked keys of a lane: the dead job first, then the jobs set aside behind it. */
  parked: Map<string, { parkedAt: Date; error: string; jobs: Waiting[] }>;
}

/**
 * Runs async handlers in this process, after the publish, with BullMQ's semantics: per-handler queues and
 * concurrency, priority, delay, attempts with the same backoff schedule, unrecoverable errors, a failed set, and
 * job-id deduplication while a job is pending or failed. Nothing survives a restart: for dev, seeds and fast tests.
 * Completed jobs are not kept (so memory stays flat), which means a completed event id can be enqueued again.
 */
export class InMemoryTransport implements EventTransport {
  readonly name = 'in-memory';
  private readonly logger = new Logger('EventBus');
  private readonly queues = new Map<string, QueueState>();
  private readonly jobs = new Map<string, InMemoryJob>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];
  private seq = 0;
  private stopped = false;

  dispatch(jobs: readonly OutgoingJob[]): Promise<void> {
    for (const outgoing of jobs) {
      const key = `${outgoing.queue}/${outgoing.jobId}`;
      if (this.jobs.has(key)) continue;
      const job: InMemoryJob = {
        queue: outgoing.queue,
        id: outgoing.jobId,
        name: outgoing.name,
        data: JSON.parse(JSON.stringify(outgoing.data)) as unknown,
        maxAttempts: outgoing.options.attempts,
        state: 'waiting',
        attemptsMade: 0,
        stacktrace: [],
      };
      this.jobs.set(key, job);
      this.enqueue(job, outgoing, outgoing.options.delay ?? 0);
    }
    return Promise.resolve();
  }

  startConsumers(consumers: readonly ConsumerSpec[]): Promise<void> {
    this.stopped = false;
    for (const consumer of consumers) {
      this.state(consumer.queue).consumer = consumer;
      this.pump(consumer.queue);
    }
    return Promise.resolve();
  }

  async stopConsumers(timeoutMs: number): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    const dropped = this.timers.size + [...this.queues.values()].reduce((n, queue) => n + queue.waiting.length, 0);
    this.timers.clear();
    if (dropped > 0) this.logger.warn(`In-memory transport stopped with ${dropped} job(s) not run; they are dropped.`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.stopConsumers(0);
  }

  /** Jobs by state, oldest first. */
  getJobs(state?: InMemoryJob['state']): InMemoryJob[] {
    return [...this.jobs.values()].filter((job) => state === undefined || job.state === state);
  }

  /** Whether any job is waiting, delayed or running. */
  isIdle(): boolean {
    return (
      this.timers.size === 0 &&
      this.running.size === 0 &&
      [...this.queues.values()].every((q) => q.waiting.length === 0 || !q.consumer)
    );
  }

  /** Resolves when nothing is waiting (for a consumer that exists), delayed or running. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(job: InMemoryJob, outgoing: OutgoingJob, delay: number): void {
    if (delay > 0) {
      job.state = 'delayed';
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(job, outgoing, 0);
        this.notifyIfIdle();
      }, delay);
      this.timers.add(timer);
      return;
    }
    job.state = 'waiting';
    const queue = this.state(job.queue);
    const entry = { job, outgoing, seq: this.seq++ };
    const priority = (o: OutgoingJob) => o.options.priority ?? 0;
    // The new entry has the highest seq, so it goes after every entry of its priority or a higher one: search from
    // the back, where it almost always belongs (a scan from the front made a backlog of n jobs cost O(n²)).
    let at = queue.waiting.length;
    while (at > 0 && priority(queue.waiting[at - 1]!.outgoing) > priority(outgoing)) at--;
    if (at === queue.waiting.length) queue.waiting.push(entry);
    else queue.waiting.splice(at, 0, entry);
    setImmediate(() => this.pump(job.queue));
  }

  private pump(queueName: string): void {
    const queue = this.state(queueName);
    const consumer = queue.consumer;
    while (
      !this.stopped &&
      consumer &&
      !queue.backingOff &&
      queue.running < consumer.concurrency &&
      queue.waiting.length > 0
    ) {
      const entry = queue.waiting.shift()!;
      queue.running++;
      const run = this.run(consumer, queue, entry).finally(() => {
        queue.running--;
        this.running.delete(run);
        this.pump(queueName);
        this.notifyIfIdle();
      });
      this.running.add(run);
    }
  }

  private async run(consumer: ConsumerSpec, queue: QueueState, entry: Waiting): Promise<void> {
    const { job, outgoing } = entry;
    const key = consumer.lane ? partitionKeyOf(job.data) : undefined;
    const parked = key === undefined ? undefined : queue.parked.get(key);
    if (parked) {
      parked.jobs.push(entry);
      job.state = 'waiting';
      return;
    }
    const maxAttempts = consumer.lane?.attempts ?? job.maxAttempts;
    job.state = 'active';
    try {
      job.returnValue = await consumer.process(job.data, { jobId: job.id, attempt: job.attemptsMade + 1, maxAttempts });
      job.attemptsMade++;
      job.state = 'completed';
      this.jobs.delete(`${job.queue}/${job.id}`);
    } catch (error) {
      job.attemptsMade++;
      const failure = error instanceof Error ? error : new Error(String(error));
      job.failedReason = failure.message;
      job.stacktrace.push(failure.stack ?? failure.message);
      const lane = consumer.lane;
      if (!isUnrecoverableError(failure) && job.attemptsMade < maxAttempts) {
        if (lane) this.retryInPlace(job.queue, queue, entry, backoffDelay(lane.backoff, job.attemptsMade));
        else this.enqueue(job, outgoing, backoffDelay(outgoing.options.backoff, job.attemptsMade));
        return;
      }
      job.state = 'failed';
      this.logger.error(`Job ${job.id} (${job.name} → ${consumer.handlerId}) failed for good: ${failure.message}`);
      if (lane?.onExhausted === 'park' && key !== undefined) {
        queue.parked.set(key, { parkedAt: new Date(), error: `${failure.name}: ${failure.message}`, jobs: [entry] });
      }
    }
  }

  prepareLanes(): Promise<void> {
    return Promise.resolve();
  }

  listParked(groups: readonly LaneGroup[]): Promise<ParkedKey[]> {
    const parked: ParkedKey[] = [];
    for (const { group, laneQueues } of groups) {
      for (const queue of laneQueues) {
        for (const [key, { parkedAt, error, jobs }] of this.state(queue).parked) {
          const dead = jobs[0]!.job;
          const { id: eventId = '', handler: handlerId = group } = dead.data as { id?: string; handler?: string };
          parked.push({
            group,
            handlerId,
            queue,
            key,
            eventId,
            jobId: dead.id,
            error,
            parkedAt,
            setAside: jobs.length,
          });
        }
      }
    }
    return Promise.resolve(parked.sort((a, b) => a.parkedAt.getTime() - b.parkedAt.getTime()));
  }

  releaseParked(_group: string, queueName: string, key: string, mode: ReleaseMode): Promise<void> {
    const queue = this.state(queueName);
    const parked = queue.parked.get(key);
    if (parked) {
      queue.parked.delete(key);
      const resumed = mode === 'skip' ? parked.jobs.slice(1) : parked.jobs;
      for (const { job } of resumed) {
        job.state = 'waiting';
        job.attemptsMade = 0;
      }
      queue.waiting.unshift(...resumed);
      setImmediate(() => this.pump(queueName));
    }
    return Promise.resolve();
  }

  /** A lane keeps its failed job at the head and waits out the backoff before taking anything. */
  private retryInPlace(name: string, queue: QueueState, entry: Waiting, delay: number): void {
    entry.job.state = 'waiting';
    queue.waiting.unshift(entry);
    queue.backingOff = true;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      queue.backingOff = false;
      this.pump(name);
      this.notifyIfIdle();
    }, delay);
    this.timers.add(timer);
  }

  private state(queue: string): QueueState {
    let state = this.queues.get(queue);
    if (!state) {
      state = { consumer: undefined, running: 0, waiting: [], backingOff: false, parked: new Map() };
      this.queues.set(queue, state);
    }
    return state;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
