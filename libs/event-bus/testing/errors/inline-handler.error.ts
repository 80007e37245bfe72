import { EventBusError } from '../../src/errors/event-bus.error';

/**
 * In inline mode an async handler threw inside `publish`: the publish rejects with this error (the handler's own
 * error is `cause`), so the test sees the failure where it happened instead of a job silently retried.
 */
export class InlineHandlerError extends EventBusError {
  override readonly name: string = 'InlineHandlerError';

  constructor(
    readonly eventName: string,
    readonly handlerId: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`Async handler "${handlerId}" failed for event "${eventName}" (inline mode): ${reason}`, { cause });
  }
}
