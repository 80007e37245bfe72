import { EventBusError } from '../../src/errors/event-bus.error';

/**
 * What the dashboard may not do to a partition lane, because each would run a key's events out of publish order:
 * retry one job or all jobs of a status, add a job, promote one job or all, change a job's priority or delay, edit
 * a job's data, run or reschedule a job scheduler, obliterate the lane; `'unknown action'` is any other change the bus
 * does not know to be safe.
 */
export type LaneOrderOperation =
  | 'retry'
  | 'retry all'
  | 'add'
  | 'promote'
  | 'promote all'
  | 'priority'
  | 'delay'
  | 'update data'
  | 'job scheduler'
  | 'obliterate'
  | 'unknown action';

const RELEASE_INSTEAD =
  "If its key is parked, release the key instead: ParkedKeys.release(handlerId, key, 'retry') (the handler and " +
  "partitionKey are in the job's data) runs the event again at the head of its lane, then the events set aside " +
  "behind it, in order ('skip' drops it instead). A dead-lettered event cannot be re-run in order (the lane has " +
  "moved on to its key's later events): publish a new event if it still has to be handled.";

/** What was refused (given the lane's and the job's description), why, and what to do instead. */
const REASONS: Record<LaneOrderOperation, (lane: string, job: string) => [refused: string, reason: string]> = {
  retry: (lane, job) => [
    `Retrying ${job} of ${lane}`,
    `the board would put it at the back of the lane, behind later events of its key. ${RELEASE_INSTEAD}`,
  ],
  'retry all': (lane) => [
    `Retrying all failed or completed jobs of ${lane}`,
    `the board would put them at the back of the lane, behind later events of their keys. ${RELEASE_INSTEAD}`,
  ],
  add: (lane) => [
    `Adding a job to ${lane}`,
    'a lane only runs events published through EventBus.publish, one at a time in publish order per key; a job ' +
      'added here would not be one of them. Publish the event instead.',
  ],
  promote: (lane, job) => [
    `Promoting ${job} of ${lane}`,
    'a lane holds no delayed jobs of its own (delay and priority are refused on partitioned handlers); moving one ' +
      "ahead would run it out of its key's publish order.",
  ],
  'promote all': (lane) => [
    `Promoting the delayed jobs of ${lane}`,
    'a lane holds no delayed jobs of its own (delay and priority are refused on partitioned handlers); moving them ' +
      "ahead would run them out of their keys' publish order.",
  ],
  priority: (lane, job) => [
    `Changing the priority of ${job} of ${lane}`,
    "a lane runs its jobs in list order; a prioritised job leaves the list and runs out of its key's publish order.",
  ],
  delay: (lane, job) => [
    `Changing the delay of ${job} of ${lane}`,
    'a lane runs its jobs in list order, with no delayed jobs of its own; rescheduling one moves it relative to the ' +
      'other events of its key.',
  ],
  'update data': (lane, job) => [
    `Editing the data of ${job} of ${lane}`,
    'the data carries the partition key and handler that decide its lane and its parked state: an edited job can run ' +
      "in a lane that does not own its key, beside the key's other events, and a parked key's release runs the event " +
      'as it was set aside, not the edited job. Publish a corrective event instead.',
  ],
  'job scheduler': (lane) => [
    `Running or rescheduling a job scheduler of ${lane}`,
    'a scheduler adds jobs that were not published through EventBus.publish, outside the publish order of their ' +
      'keys (the bus creates no schedulers on lanes). Publish the events instead.',
  ],
  obliterate: (lane) => [
    `Obliterating ${lane}`,
    "it deletes the lane's global concurrency of 1 with its jobs, and until a process of the bus boots again the " +
      'lane could run several jobs at once (one per worker process), out of order. Clean its failed or completed ' +
      'jobs, or empty its waiting ones, instead.',
  ],
  'unknown action': (lane) => [
    `This change to ${lane}`,
    'on a lane the dashboard lets through only reads and the changes the bus knows keep each key in publish order ' +
      '(clean, empty, pause, resume, remove a job scheduler or unprocessed children), and this is not one of them.',
  ],
};

/**
 * Thrown (and answered with 405 by the dashboard's API) when the dashboard is asked to do something to a partition
 * lane that would run a key's events out of publish order: see {@link LaneOrderOperation}. A lane runs one job at a
 * time, in the order events were published, and retries in place; failed jobs of a parked key are released with
 * `ParkedKeys`, which puts them back at the head of their lane. Handler (non-lane) queues are not concerned.
 */
export class LaneOrderLockedError extends EventBusError {
  override readonly name: string = 'LaneOrderLockedError';

  constructor(
    readonly queue: string,
    readonly operation: LaneOrderOperation,
    /** The job concerned, for operations on one job. */
    readonly jobId?: string,
  ) {
    super(refusal(queue, operation, jobId));
  }
}

function refusal(queue: string, operation: LaneOrderOperation, jobId: string | undefined): string {
  const [refused, reason] = REASONS[operation](
    `partition lane "${queue}"`,
    jobId === undefined ? 'a job' : `job "${jobId}"`,
  );
  return `${refused} is refused: ${reason}`;
}
