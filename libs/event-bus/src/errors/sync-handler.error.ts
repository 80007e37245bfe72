import { errorMessage } from './error-message';
import { EventBusError } from './event-bus.error';

/**
 * A sync handler (`@OnEvent`) threw: `publish` rejects with this error, the later sync handlers did not run and no
 * async job was enqueued for that publish. The handler's own error is `cause`.
 */
export class SyncHandlerError extends EventBusError {
  override readonly name: string = 'SyncHandlerError';

  constructor(
    readonly eventName: string,
    readonly eventId: string,
    readonly handlerId: string,
    cause: unknown,
  ) {
    const reason = errorMessage(cause);
    super(
      `Sync handler "${handlerId}" failed for event "${eventName}" (${eventId}): ${reason}. ` +
        'The publish was aborted: later sync handlers did not run and no async job was enqueued.',
      { cause },
    );
  }
}
