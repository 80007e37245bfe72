import { Job, JobsOptions, Queue, RedisClient } from 'bullmq';
import { JobWriteError } from '../../errors';
import { OutgoingJob } from '../../contracts/event-transport';
import { groupBySlot } from './cluster-slots';

/**
 * Writes jobs to BullMQ queues for the transport: a publish's jobs all or none (one MULTI, one per slot on a
 * cluster), a one-job publish as one command, every write of a call queued in that call so that consecutive calls
 * reach Redis in call order.
 */
export class JobAdder {
  private client: Promise<RedisClient> | undefined;

  /** @param queue the transport's queue of a handler queue name; @param onCluster whether writes split per slot. */
  constructor(
    private readonly queue: (name: string) => Queue,
    private readonly onCluster: boolean,
  ) {}

  /** Forgets the connection (the transport closed it). */
  reset(): void {
    this.client = undefined;
  }

  /**
   * Writes a batch of publishes' jobs (`sizes`: jobs per publish) in one MULTI across the handlers' queues (one per
   * slot on a cluster); one outcome per job. When every publish made one job, each job is its own command instead:
   * BullMQ's add script is atomic on its own, and a MULTI's cost is not spread over several jobs per publish.
   */
  write(jobs: readonly OutgoingJob[], sizes: readonly number[]): Promise<(Error | null)[]> {
    const toJob = (job: OutgoingJob) =>
      job.encodedData === undefined
        ? new Job(this.queue(job.queue), job.name, job.data, toJobsOptions(job), job.jobId)
        : new EncodedJob(this.queue(job.queue), job.name, job.encodedData, toJobsOptions(job), job.jobId);
    if (sizes.every((size) => size === 1)) return this.addEach(jobs.map(toJob));
    return this.add(jobs.map(toJob));
  }

  /**
   * Adds jobs of any queues in one MULTI (on a Redis Cluster, one per slot); one outcome per job, in order. Each job
   * is BullMQ's own add script, queued through the queue backend's `addJobToTransaction` (what `FlowProducer` uses for its atomic flows) with the
   * job's validated `toFlowEntry` data. Unlike `FlowProducer.addFlow`, which awaits between jobs, every add is queued
   * synchronously: MULTIs of consecutive calls reach Redis in call order whatever their sizes, and a job costs no
   * extra promise turn.
   */
  async add(jobs: readonly Job[]): Promise<(Error | null)[]> {
    if (jobs.length === 0) return [];
    const client = await this.writeClient(jobs[0]!.queueName);
    const queues = jobs.map((job) => this.queue(job.queueName));
    const groups = groupBySlot(queues, (queue) => queue.toKey(''), this.onCluster);
    if (groups.length === 1) return this.addInOneMulti(client, jobs, queues);
    // A cluster runs a MULTI within one slot only: one MULTI per slot, all queued in this turn (so each slot's writes
    // keep call order, as above), each job getting its own slot's outcome.
    const outcomes: (Error | null)[] = [];
    await Promise.all(
      groups.map(async (indices) => {
        const results = await this.addInOneMulti(
          client,
          indices.map((index) => jobs[index]!),
          indices.map((index) => queues[index]!),
        ).catch((error: unknown) => indices.map(() => error as Error));
        indices.forEach((jobIndex, i) => (outcomes[jobIndex] = results[i]!));
      }),
    );
    return outcomes;
  }

  /** Adds each job with its own command, all sent in this turn, in order; one outcome per job. */
  private async addEach(jobs: readonly Job[]): Promise<(Error | null)[]> {
    const client = await this.writeClient(jobs[0]!.queueName);
    return Promise.all(jobs.map((job) => this.addOne(client, job, this.queue(job.queueName))));
  }

  /**
   * One job needs no MULTI: BullMQ's add script is atomic on its own. Sent on the same connection in the same turn
   * as a MULTI would be, so it keeps call order with the writes around it; it spares a MULTI's pipeline, which ioredis
   * builds by copying every script BullMQ defined onto it (a third of a one-job publish's garbage, bench scenario 10).
   */
  private async addOne(client: RedisClient, job: Job, queue: Queue): Promise<Error | null> {
    const { jobData, jobId } = job.toFlowEntry();
    try {
      await queue.getBackend().addJobToTransaction(client, jobData, jobId, {}, queue.keys);
      return null;
    } catch (error) {
      return error instanceof Error ? error : new JobWriteError(String(error));
    }
  }

  /** The connection jobs are written on (the producer's, as BullMQ's queues see it). */
  private writeClient(queueName: string): Promise<RedisClient> {
    // One promise for every call: they resume in call order even while the connection is still opening.
    return (this.client ??= this.queue(queueName)
      .getBackend()
      .client.catch((error: unknown) => {
        this.client = undefined; // the next write tries again
        throw error;
      }));
  }

  /** Adds jobs (of queues all in one slot when on a cluster) in one MULTI; one outcome per job, in order. */
  private async addInOneMulti(
    client: RedisClient,
    jobs: readonly Job[],
    queues: readonly Queue[],
  ): Promise<(Error | null)[]> {
    const multi = client.multi();
    const queuedBefore = commandsQueued(multi);
    jobs.forEach((job, index) => {
      const queue = queues[index]!;
      const { jobData, jobId } = job.toFlowEntry();
      // On a MULTI this queues the command and resolves with the transaction; outcomes come from exec below.
      void queue
        .getBackend()
        .addJobToTransaction(multi, jobData, jobId, {}, queue.keys)
        .catch(() => undefined);
    });
    // A job whose command could not be queued (it failed before reaching the MULTI) would shift every later reply
    // onto the wrong job: refuse the whole MULTI instead. Nothing was sent (the MULTI is buffered until exec).
    const queued = commandsQueued(multi) - queuedBefore;
    if (queued !== jobs.length) {
      throw new JobWriteError(
        `only ${queued} of ${jobs.length} jobs could be queued on the MULTI, so nothing was written`,
      );
    }
    const results: readonly [Error | null, unknown][] = (await multi.exec()) ?? [];
    return jobs.map((_, index) => {
      const [error, result] = results[index] ?? [new JobWriteError('Redis returned no reply for this job'), undefined];
      return (
        error ??
        (typeof result === 'number' && result < 0 ? new JobWriteError(`BullMQ refused the job (code ${result})`) : null)
      );
    });
  }
}

/**
 * A job whose data is already JSON (an outbox row's, as stored): written as is, where BullMQ's own `Job` would encode
 * its data again.
 */
class EncodedJob extends Job {
  private readonly encodedData: string;

  constructor(queue: Queue, name: string, encodedData: string, opts: JobsOptions, id: string) {
    super(queue, name, ENCODED, opts, id);
    this.encodedData = encodedData;
  }

  override asJSON(): ReturnType<Job['asJSON']> {
    return { ...super.asJSON(), data: this.encodedData };
  }
}

const ENCODED = {};

/** Commands queued on an ioredis pipeline or MULTI so far (its `length`, which BullMQ's interface leaves out). */
function commandsQueued(transaction: object): number {
  return (transaction as { length: number }).length;
}

function toJobsOptions(job: OutgoingJob): JobsOptions {
  const { attempts, backoff, priority, delay, removeOnComplete, removeOnFail } = job.options;
  if (job.ordered) {
    // The lane consumer retries in place; a BullMQ retry would send the job behind later events of its key.
    return { jobId: job.jobId, attempts: 1, removeOnComplete, removeOnFail };
  }
  return {
    jobId: job.jobId,
    attempts,
    backoff: { type: backoff.type, delay: backoff.delay, ...(backoff.jitter ? { jitter: backoff.jitter } : {}) },
    ...(priority !== undefined ? { priority } : {}),
    ...(delay ? { delay } : {}),
    removeOnComplete,
    removeOnFail,
  };
}
