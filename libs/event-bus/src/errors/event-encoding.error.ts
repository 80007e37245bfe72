import { EventBusError } from './event-bus.error';

/**
 * `publish` refused an event because a field cannot go through the codec without changing what the handlers
 * would receive. Nothing was written and no handler ran.
 */
export class EventEncodingError extends EventBusError {
  override readonly name: string = 'EventEncodingError';

  constructor(
    readonly eventName: string,
    /** Path of the offending field from the event root, e.g. `lines[2].price`. */
    readonly path: string,
    readonly reason: string,
    readonly hint: string,
  ) {
    super(`Cannot publish event "${eventName}": field "${path}" ${reason}. ${hint}`);
  }
}
