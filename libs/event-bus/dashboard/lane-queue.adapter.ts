import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { QueueJobOptions, QueueRateLimit } from '@bull-board/api/typings/app';
import type { Job } from 'bullmq';
import { LaneOrderLockedError, LaneSettingLockedError } from './errors';

/**
 * The board's adapter for a partition lane: everything the BullMQ adapter does (jobs, counts, pause, clean, empty),
 * except what would break the lane's order. Changing its global concurrency or rate limit, which the bus owns (one
 * job at a time across all workers; the rate limit is how a retry waits in place), throws
 * {@link LaneSettingLockedError}; adding a job, promoting all delayed jobs and obliterating the lane throw
 * {@link LaneOrderLockedError}. The board's API then answers with an error and the lane is unchanged.
 *
 * Retrying, promoting, reprioritising, rescheduling or editing one job (and retrying all jobs of a status) act on the
 * job objects `getJob`/`getJobs` return, with no adapter method to override: the dashboard's HTTP guard refuses
 * those on lanes (405), before the board's API is reached. On a board of your own, mount that guard too
 * (`laneGuard`).
 */
export class LaneQueueAdapter extends BullMQAdapter {
  override setGlobalConcurrency(_concurrency: number): Promise<void> {
    return Promise.reject(new LaneSettingLockedError(this.getName(), 'global concurrency'));
  }

  override get supportsGlobalRateLimit(): boolean {
    return false;
  }

  override setConfiguredRateLimit(_limit: QueueRateLimit): Promise<void> {
    return Promise.reject(new LaneSettingLockedError(this.getName(), 'rate limit'));
  }

  override removeConfiguredRateLimit(): Promise<void> {
    return Promise.reject(new LaneSettingLockedError(this.getName(), 'rate limit'));
  }

  override releaseActiveRateLimit(): Promise<void> {
    return Promise.reject(new LaneSettingLockedError(this.getName(), 'rate limit'));
  }

  override addJob(_name: string, _data: unknown, _options: QueueJobOptions): Promise<Job> {
    return Promise.reject(new LaneOrderLockedError(this.getName(), 'add'));
  }

  override promoteAll(): Promise<void> {
    return Promise.reject(new LaneOrderLockedError(this.getName(), 'promote all'));
  }

  override obliterate(): Promise<void> {
    return Promise.reject(new LaneOrderLockedError(this.getName(), 'obliterate'));
  }
}
