import { Logger } from '@nestjs/common';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BroadcastChannel } from '../../contracts/broadcast-channel';
import { RelayBroadcastChannel } from './relay-broadcast.channel';
import { HealthCheckError, isUnrecoverableError, JobWriteError } from '../../errors';
import { EventWorkerOptions } from '../../contracts/event-bus-options';
import {
  ConsumerSpec,
  ConsumerStatus,
  EventTransport,
  LaneGroup,
  OutgoingJob,
  ParkedKey,
  PendingJobs,
  ReleaseMode,
} from '../../contracts/event-transport';
import { BullMqLanes } from './bullmq-lanes';
import { LaneBalancer } from './lane-balancer';
import { EventWorker } from './event-worker';
import { WriteBatcher } from '../write-batcher';
import { HandlerCount, stopWorker } from './worker-shutdown';
import {
  closeClient,
  duplicateRedis,
  isClusterSetting,
  isLive,
  isRedisInstance,
  openRedis,
  RedisConnectionSetting,
} from './redis-connection';
import { groupBySlot } from './cluster-slots';
import { JobAdder } from './job-adder';

/** Settings of the BullMQ transport (from the module options). */
export interface BullMqTransportOptions {
  readonly connection: RedisConnectionSetting;
  readonly prefix: string;
  readonly worker?: EventWorkerOptions;
  /** Ms a publish waits for Redis before it fails with a `PublishTimeoutError`. Default: no limit. */
  readonly publishTimeout?: number;
  /** Publishes waiting for Redis at most; beyond, `publish` is refused at once. Default: no limit. */
  readonly maxPendingPublishes?: number;
}

/**
 * The production transport: one BullMQ queue per async handler (a process only takes jobs of handlers it has),
 * all jobs of concurrent publishes written in one MULTI across queues (on a Redis Cluster, one MULTI per slot), one
 * Worker per consumed queue. The Workers share one non-blocking connection; each has its own blocking one.
 */
export class BullMqTransport implements EventTransport {
  readonly name = 'bullmq';
  private readonly logger = new Logger('EventBus');
  private producer: { client: Redis; owned: boolean } | undefined;
  private workerClient: { client: Redis; owned: boolean } | undefined;
  /** On a Redis Cluster: writes are split per slot, and queues get a hash tag each ({@link brokerName}). */
  private readonly onCluster: boolean;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: { worker: Worker; handlers: HandlerCount; queue: string; handlerId: string }[] = [];
  private balancer: LaneBalancer | undefined;
  private closed = false;
  private lastConnectionError: string | undefined;
  private readonly batcher: WriteBatcher<OutgoingJob>;
  private readonly adder: JobAdder;
  private readonly lanes = new BullMqLanes({
    prefix: () => this.options.prefix,
    client: () => this.producerClient(),
    queue: (name) => this.queue(name),
    addJobs: async (jobs) => {
      const failure = (await this.adder.add(jobs)).find((outcome) => outcome !== null);
      if (failure) throw failure;
    },
  });

  constructor(private readonly options: BullMqTransportOptions) {
    this.onCluster = isClusterSetting(options.connection);
    this.adder = new JobAdder((name) => this.queue(name), this.onCluster);
    this.batcher = new WriteBatcher<OutgoingJob>((jobs, sizes) => this.adder.write(jobs, sizes), {
      timeoutMs: this.options.publishTimeout,
      maxPending: this.options.maxPendingPublishes,
      describe: (jobs) => jobs.map((job) => job.name),
      // Writes wait for the connection here, where a timed-out one can be dropped unsent, rather than in ioredis's
      // offline queue, which holds commands without bound and sends them whenever Redis is back.
      gate: {
        isOpen: () => isLive(this.producerClient()),
        onOpen: (listener) => {
          const client = this.producerClient();
          client.once('ready', listener);
          if ((client as { isCluster?: boolean }).isCluster) client.once('connect', listener);
          if (client.status === 'wait') client.connect().catch(() => undefined); // a lazyConnect instance
        },
        reason: () => {
          const status = this.producerClient().status;
          return `Redis is not connected (${status}${this.lastConnectionError ? `; last error: ${this.lastConnectionError}` : ''})`;
        },
      },
    });
  }

  dispatch(jobs: readonly OutgoingJob[]): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new JobWriteError('the transport is closed (the app is shutting down), nothing was written'),
      );
    }
    return this.batcher.write(jobs);
  }

  /** The BullMQ queue of a handler queue name (created on first use, sharing the producer connection). */
  queue(name: string): Queue {
    const brokerName = this.brokerName(name);
    let queue = this.queues.get(brokerName);
    if (!queue) {
      queue = new Queue(brokerName, { connection: this.producerClient(), prefix: this.options.prefix });
      // Connection errors are reported once by the shared client; the queue repeats them.
      queue.on('error', () => undefined);
      this.queues.set(brokerName, queue);
    }
    return queue;
  }

  /**
   * The BullMQ queue name of a handler queue. On a Redis Cluster every key of a queue must be in one slot (BullMQ's
   * scripts touch several): a name without a hash tag becomes one (`{orders.audit}`), so each queue has a slot of its
   * own and queues spread over the shards. Lane names are hash tags already. Elsewhere names are kept as they are.
   */
  private brokerName(name: string): string {
    return this.onCluster && !name.includes('{') ? `{${name}}` : name;
  }

  /** For the dashboard: the BullMQ queue, as {@link queue}. */
  brokerQueue(name: string): Queue {
    return this.queue(name);
  }

  /**
   * Waiting, active, delayed and prioritized counts of the queues, read in one MULTI (one consistent snapshot; on a
   * Redis Cluster, one per slot, each queue's four counts consistent).
   */
  async pendingJobs(names: readonly string[]): Promise<PendingJobs[]> {
    if (names.length === 0) return [];
    const queues = names.map((name) => this.queue(name));
    const COUNTS = 5; // waiting, active, delayed, prioritized, failed
    const counts: number[] = [];
    const groups = groupBySlot(queues, (queue) => queue.toKey(''), this.onCluster);
    await Promise.all(
      groups.map(async (indices) => {
        const multi = this.producerClient().multi();
        for (const queue of indices.map((index) => queues[index]!)) {
          multi.llen(queue.toKey('wait')).llen(queue.toKey('active'));
          multi.zcard(queue.toKey('delayed')).zcard(queue.toKey('prioritized')).zcard(queue.toKey('failed'));
        }
        const replies = (await multi.exec()) ?? [];
        indices.forEach((queueIndex, i) => {
          for (let n = 0; n < COUNTS; n++) {
            const [error, count] = replies[i * COUNTS + n] ?? [new JobWriteError('Redis returned no reply'), 0];
            if (error) throw error;
            counts[queueIndex * COUNTS + n] = Number(count);
          }
        });
      }),
    );
    return names.map((queue, i) => {
      const [waiting = 0, active = 0, delayed = 0, prioritized = 0, failed = 0] = counts.slice(i * 5, i * 5 + 5);
      return { queue, waiting, active, delayed, prioritized, failed };
    });
  }

  /**
   * PING on the producer connection, bounded by `timeoutMs`; rejects at once, with its state, while the connection is
   * lost (reconnecting, closed). A connection not made yet (the producer connects on first use) is waited for.
   */
  async ping(timeoutMs: number): Promise<void> {
    const client = this.producerClient();
    if (client.status === 'wait') client.connect().catch(() => undefined); // a lazyConnect instance
    if (!isLive(client) && !['wait', 'connecting', 'connect'].includes(client.status)) {
      const last = this.lastConnectionError ? `; last error: ${this.lastConnectionError}` : '';
      throw new HealthCheckError('broker', `Redis is not connected (${client.status}${last})`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HealthCheckError('broker', `Redis did not answer PING within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([client.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One entry per started worker: the handler queues', and the lanes this process owns now. */
  consumerStatus(): readonly ConsumerStatus[] {
    const running = (worker: Worker) => worker.isRunning() && !worker.closing;
    return [
      ...this.workers.map(({ worker, queue, handlerId }) => ({ queue, handlerId, running: running(worker) })),
      ...(this.balancer?.runningLanes() ?? []).map(({ worker, queue, handlerId }) => ({
        queue,
        handlerId,
        running: running(worker),
      })),
    ];
  }

  /** The fleet-wide broadcast channel on this transport's Redis (BullMQ's Relay), under its prefix. */
  openBroadcastChannel(onError: (error: Error) => void): BroadcastChannel {
    // A client of the channel's own (the app's is duplicated), so it can drop it when Redis is gone at shutdown.
    const setting = this.options.connection;
    const overrides = { maxRetriesPerRequest: null };
    const client = isRedisInstance(setting) ? duplicateRedis(setting, overrides) : openRedis(setting, overrides).client;
    return new RelayBroadcastChannel(client, this.options.prefix, onError);
  }

  async startConsumers(consumers: readonly ConsumerSpec[]): Promise<void> {
    const lanes = consumers.filter((consumer) => consumer.lane);
    for (const consumer of consumers) if (!consumer.lane) this.workers.push(this.startWorker(consumer));
    await Promise.all([
      ...this.workers.map(({ worker }) => worker.waitUntilReady()),
      lanes.length > 0 ? (this.balancer ??= this.laneBalancer()).start(lanes) : undefined,
    ]);
  }

  async stopConsumers(timeoutMs: number): Promise<void> {
    const workers = this.workers.splice(0);
    const balancer = this.balancer;
    this.balancer = undefined;
    await Promise.all([
      ...workers.map(({ worker, handlers }) => stopWorker(worker, handlers, timeoutMs, this.logger)),
      balancer?.stop(timeoutMs),
    ]);
  }

  /** A Worker of one consumed queue (a handler's, or one lane's). */
  private startWorker(consumer: ConsumerSpec): {
    worker: Worker;
    handlers: HandlerCount;
    queue: string;
    handlerId: string;
  } {
    const lane = consumer.lane;
    const handlers = new HandlerCount();
    const worker = new EventWorker(
      this.brokerName(consumer.queue),
      (job: Job) =>
        handlers.around(async () => {
          try {
            if (lane) return await this.lanes.process({ ...consumer, lane }, job);
            return await consumer.process(job.data, {
              jobId: job.id,
              // Every start counts, as on lanes: a run cut short by a dead worker (a stalled job) was a try too.
              attempt: Math.max(job.attemptsStarted, job.attemptsMade + 1),
              maxAttempts: job.opts.attempts ?? 1,
            });
          } catch (error) {
            throw isUnrecoverableError(error) ? toUnrecoverable(error as Error) : error;
          }
        }),
      {
        connection: this.workerConnection(),
        prefix: this.options.prefix,
        ...this.options.worker,
        ...(lane ? LANE_WORKER_OPTIONS : { concurrency: consumer.concurrency }),
      },
    );
    worker.on('error', (error) => this.logger.error(`Worker ${consumer.queue}: ${error.message}`));
    worker.on('failed', (job, error) => {
      if (!job) return;
      const exhausted = job.finishedOn !== undefined || job.attemptsMade >= (job.opts.attempts ?? 1);
      const message = `Job ${job.id} (${job.name} → ${consumer.handlerId}) failed on attempt ${job.attemptsMade}: ${error.message}`;
      if (exhausted) this.logger.error(`${message}; no attempts left, kept in the failed set`);
      else this.logger.warn(`${message}; will retry`);
    });
    return { worker, handlers, queue: consumer.queue, handlerId: consumer.handlerId };
  }

  /** Shares the lanes with the other consuming processes: this process runs Workers only for the lanes it owns. */
  private laneBalancer(): LaneBalancer {
    const setting = this.options.connection;
    return new LaneBalancer({
      prefix: this.options.prefix,
      leaseMs: this.options.worker?.lockDuration ?? 30_000,
      maxStalledCount: this.options.worker?.maxStalledCount ?? 1,
      client: () => this.producerClient(),
      subscriber: () => (isRedisInstance(setting) ? setting.duplicate() : openRedis(setting).client),
      queue: (name) => this.queue(name),
      startWorker: (spec) => this.startWorker(spec),
      stopWorker: ({ worker, handlers }, timeoutMs) => stopWorker(worker, handlers, timeoutMs, this.logger),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopConsumers(0);
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
    if (this.producer?.owned) await closeClient(this.producer.client);
    this.producer = undefined;
    if (this.workerClient?.owned) await closeClient(this.workerClient.client);
    this.workerClient = undefined;
    this.adder.reset();
  }

  private producerClient(): Redis {
    if (!this.producer) {
      this.producer = openRedis(this.options.connection);
      if (this.producer.owned) {
        let last = '';
        this.producer.client.on('error', (error: Error) => {
          // ioredis repeats the same error on every reconnect attempt: log each distinct one once.
          if (error.message !== last) this.logger.error(`Redis (publishing connection): ${error.message}`);
          last = error.message;
          this.lastConnectionError = error.message;
        });
        this.producer.client.on('ready', () => {
          last = '';
          this.lastConnectionError = undefined;
        });
      }
    }
    return this.producer.client;
  }

  /**
   * The connection every Worker of this process shares for its non-blocking commands (BullMQ, given a client, shares
   * it and duplicates it only for the Worker's blocking fetch): one connection instead of one per Worker, which halves
   * a consuming process's connections. The app's instance when it gave one; else one of the transport's own, with
   * `maxRetriesPerRequest: null` as BullMQ requires of Workers' connections.
   */
  private workerConnection(): Redis {
    if (!this.workerClient) {
      this.workerClient = openRedis(this.options.connection, { maxRetriesPerRequest: null });
      // Each Worker reports the connection's errors (BullMQ forwards them); this keeps ioredis from calling them
      // unhandled.
      if (this.workerClient.owned) this.workerClient.client.on('error', () => undefined);
    }
    return this.workerClient.client;
  }

  prepareLanes(groups: readonly LaneGroup[]): Promise<void> {
    return this.lanes.prepare(groups);
  }

  listParked(groups: readonly LaneGroup[]): Promise<ParkedKey[]> {
    return this.lanes.listParked(groups);
  }

  releaseParked(_group: string, queue: string, key: string, mode: ReleaseMode): Promise<void> {
    return this.lanes.release(queue, key, mode);
  }
}

/**
 * Lane workers take one job at a time; the limiter is what makes BullMQ honour `queue.rateLimit()`, which lanes use
 * to wait out a retry's backoff with the job at the head (its max is never reached in practice).
 */
const LANE_WORKER_OPTIONS = { concurrency: 1, limiter: { max: 1_000_000, duration: 1_000 } } as const;

/** BullMQ recognises its own `UnrecoverableError`; keep the original name, message and stack on it. */
function toUnrecoverable(error: Error): UnrecoverableError {
  const unrecoverable = new UnrecoverableError(`${error.name}: ${error.message}`);
  unrecoverable.stack = error.stack;
  return unrecoverable;
}
