import { EventBusError } from './event-bus.error';

/**
 * The transport could not store a publish's jobs (Redis refused or did not answer). The publish rejects with it;
 * its sync handlers had run. Publishing the same event instance again is safe: it keeps its event id, so jobs already
 * stored are skipped and only the missing ones are written.
 */
export class JobWriteError extends EventBusError {
  override readonly name: string = 'JobWriteError';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `Jobs could not be written to the transport: ${reason}. Check the Redis connection, then publish the same ` +
        `event instance again (it keeps its event id, so jobs already stored are not duplicated).`,
      options,
    );
  }
}
