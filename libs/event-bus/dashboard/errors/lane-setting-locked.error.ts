import { EventBusError } from '../../src/errors/event-bus.error';

/**
 * Thrown when the dashboard is asked to change a partition lane's global concurrency or rate limit. The bus keeps
 * every lane at one job at a time across all workers (that is what keeps a key's events in publish order) and uses
 * the lane's rate limit to wait out retries in place; changing either from the UI would break ordering.
 */
export class LaneSettingLockedError extends EventBusError {
  override readonly name: string = 'LaneSettingLockedError';

  constructor(
    readonly queue: string,
    readonly setting: 'global concurrency' | 'rate limit',
  ) {
    super(
      `The ${setting} of partition lane "${queue}" is managed by the event bus and cannot be changed from the ` +
        `dashboard: a lane handles one job at a time across all workers to keep each key's events in publish order. ` +
        `Change the handler's lanes option instead (more lanes = more keys in parallel).`,
    );
  }
}
