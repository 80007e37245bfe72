import type { BroadcastChannel } from './broadcast-channel';
import { EventJobData } from './event-envelope';
import { BackoffOptions, ExhaustedPolicy } from './delivery';
import type { JobRetention } from './delivery';

/** How one job is delivered: tries, delays, retention. */
export interface DeliveryOptions {
  readonly attempts: number;
  readonly backoff: BackoffOptions;
  readonly priority?: number;
  readonly delay?: number;
  readonly removeOnComplete: JobRetention;
  readonly removeOnFail: JobRetention;
}

/** One job to write: an event for one handler. */
export interface OutgoingJob {
  /** The handler's queue. */
  readonly queue: string;
  /** Job name: the event's wire name. */
  readonly name: string;
  /** Deterministic: `<event id>.<handler id>`. */
  readonly jobId: string;
  readonly data: EventJobData;
  /**
   * `data` already encoded as JSON, when the job comes from where it was stored that way (an outbox row): a
   * transport that writes JSON may send it as is instead of encoding `data` again.
   */
  readonly encodedData?: string;
  readonly options: DeliveryOptions;
  /**
   * True for a job on a partition lane: the transport must not retry it by itself (a broker retry would put it
   * behind later events of its key); the lane's consumer retries in place (see {@link LaneSpec}).
   */
  readonly ordered: boolean;
}

/** Which try of a job a processor is running. */
export interface JobAttempt {
  readonly jobId: string | undefined;
  /** 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/**
 * Runs one job. Resolves on success; rejects to retry; rejects with an error for which `isUnrecoverableError` is
 * true to fail the job at once.
 */
export type JobProcessor = (data: unknown, attempt: JobAttempt) => Promise<unknown>;

/** How a partition lane is consumed: one job at a time across all workers, in order, retried in place. */
export interface LaneSpec {
  /** Tries per event, first included, and the delay between them (the lane waits meanwhile). */
  readonly attempts: number;
  readonly backoff: BackoffOptions;
  /** `'dead-letter'`: fail the exhausted job, go on; `'park'`: stop the key, set its later events aside. */
  readonly onExhausted: ExhaustedPolicy;
}

/** A queue this process consumes, and how. */
export interface ConsumerSpec {
  readonly queue: string;
  readonly handlerId: string;
  readonly concurrency: number;
  readonly process: JobProcessor;
  /** Set when the queue is a partition lane. */
  readonly lane?: LaneSpec;
}

/** The lanes of one lane group (a partitioned handler, or handlers sharing a `group`). */
export interface LaneGroup {
  readonly group: string;
  readonly laneQueues: readonly string[];
}

/** A key whose event exhausted its attempts under the `'park'` policy. */
export interface ParkedKey {
  /** The lane group (the handler id, unless handlers share a group). */
  readonly group: string;
  /** The handler whose event exhausted its attempts. */
  readonly handlerId: string;
  readonly queue: string;
  readonly key: string;
  /** The event that exhausted its attempts. */
  readonly eventId: string;
  readonly jobId: string;
  readonly error: string;
  readonly parkedAt: Date;
  /** Events of the key waiting behind it (the dead one included). */
  readonly setAside: number;
}

/** What one queue still holds: jobs not finished yet, by state. */
export interface PendingJobs {
  readonly queue: string;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly prioritized: number;
  /** Jobs that exhausted their tries (the failed set), when the transport keeps them. Not pending: `drain` ignores it. */
  readonly failed?: number;
}

/** A consumer this process runs, for health checks. */
export interface ConsumerStatus {
  readonly queue: string;
  readonly handlerId: string;
  /** Taking jobs (started, not closing). */
  readonly running: boolean;
}

/** What to do with a parked key's dead event on release. */
export type ReleaseMode = 'retry' | 'skip';

/**
 * What the bus needs from a broker. The core never imports BullMQ: it builds jobs and processors, a transport
 * moves them. BullMQ and in-memory ship with the library; another broker is one more implementation.
 *
 * The last four members are optional capabilities: what a transport has decides what the broadcaster, the testing
 * kit's `drain` and the dashboard can do with it (none of them asks which transport it is).
 */
export interface EventTransport {
  /** Human-readable name for the manifest and errors. */
  readonly name: string;
  /**
   * Writes the jobs durably. Jobs of one call go out together (one Redis round trip for BullMQ), and calls made
   * concurrently may be batched. A job whose id already exists is not added again.
   */
  dispatch(jobs: readonly OutgoingJob[]): Promise<void>;
  /** Starts consuming the given queues. Called once, at application bootstrap, by consuming roles. */
  startConsumers(consumers: readonly ConsumerSpec[]): Promise<void>;
  /**
   * Stops taking jobs and waits up to `timeoutMs` for the running ones; jobs still running after that are left to
   * be picked up again (stalled-job recovery for BullMQ).
   */
  stopConsumers(timeoutMs: number): Promise<void>;
  /** Closes every connection the transport opened. */
  close(): Promise<void>;
  /**
   * Called at every boot, before consumers start, with every lane group: make each lane serve one job at a time
   * across all processes, and refuse (throw) a lane count that differs from the one in use while jobs are in
   * flight.
   */
  prepareLanes(groups: readonly LaneGroup[]): Promise<void>;
  /** Parked keys of the given groups' lanes. */
  listParked(groups: readonly LaneGroup[]): Promise<ParkedKey[]>;
  /**
   * Resumes a parked key: its dead event is retried (or skipped), then its set-aside events run, in order, before
   * any later event of the key. Resolves once the release is queued at the head of the lane.
   */
  releaseParked(group: string, queue: string, key: string, mode: ReleaseMode): Promise<void>;
  /**
   * A channel that reaches every node on this broker, for broadcasts. Without it, broadcasts stay in the process.
   * `onError` hears connection errors the channel recovers from by itself.
   */
  openBroadcastChannel?(onError: (error: Error) => void): BroadcastChannel;
  /**
   * What each of the given queues still holds, read at one instant across them. `drain` polls it until all are
   * empty (and lists it when it gives up).
   */
  pendingJobs?(queues: readonly string[]): Promise<PendingJobs[]>;
  /** Resolves once nothing is left to run (for in-process transports); `drain` waits on it when there is no `pendingJobs`. */
  whenIdle?(): Promise<void>;
  /**
   * The broker's own handle of a queue, for tools that show the broker (the dashboard mounts BullMQ queue handles in
   * Bull Board).
   */
  brokerQueue?(name: string): unknown;
  /** Resolves once the broker answered, rejects with why not within `timeoutMs` (the health indicator asks). */
  ping?(timeoutMs: number): Promise<void>;
  /** The consumers this process started and whether each takes jobs (the health indicator asks). */
  consumerStatus?(): readonly ConsumerStatus[];
}

/** Injection token of the bus's transport. */
export const EVENT_TRANSPORT = Symbol.for('nestjs-durable-bus:transport');

/**
 * Handed to a processor in place of a job the broker could not parse (its data or its options are not JSON), so the
 * job fails with that reason instead of crash-looping the worker or staying active.
 */
export class UnreadableJobData {
  constructor(
    /** The start of the raw value, for the failure reason. */
    readonly raw: string,
    readonly error: string,
    /** The field of the job that is not JSON: its `data`, or a field the broker reads itself, such as `opts`. */
    readonly field: string = 'data',
    /** What the field should have been. */
    readonly expected: string = 'valid JSON',
  ) {}
}
