import { errorMessage } from './error-message';
import { EventBusError } from './event-bus.error';

/**
 * The transaction committed, but writing the async jobs its publishes deferred to after the commit failed (Redis
 * unreachable, for example). The data is committed and the events' sync handlers ran; their async jobs were not
 * enqueued. `withTransaction` rejects with this error so the caller knows. Enable the outbox to make this
 * impossible: with it, the jobs are stored in the same transaction and a relay moves them after the commit.
 */
export class AfterCommitDispatchError extends EventBusError {
  override readonly name: string = 'AfterCommitDispatchError';

  constructor(
    /** Job ids that were not enqueued. */
    readonly jobIds: readonly string[],
    cause: unknown,
  ) {
    const reason = errorMessage(cause);
    super(
      `The transaction committed, but its ${jobIds.length} deferred async job(s) could not be enqueued: ${reason}. ` +
        'The data is committed; these jobs are lost unless you publish the events again (their ids are stable). ' +
        'Enable the outbox (EventBusModule option `outbox`) to store jobs in the transaction instead.',
      { cause },
    );
  }
}
