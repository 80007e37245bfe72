import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { QueueRateLimit } from '@bull-board/api/typings/app';
import { LaneSettingLockedError } from './errors';

/**
 * The board's adapter for a partition lane: everything the BullMQ adapter does (jobs, counts, pause, clean), except
 * changing the lane's global concurrency or rate limit, which the bus owns (one job at a time across all workers;
 * the rate limit is how a retry waits in place). Those calls throw {@link LaneSettingLockedError}, so the board's
 * API answers with an error and the lane is unchanged.
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
}
