import { EventBusError } from './event-bus.error';

/** Sizes of an event refused for being over its `maxPayloadBytes`. */
export interface PayloadSize {
  /** The encoded size of the event's fields, in bytes. */
  readonly bytes: number;
  /** The limit it is over: the event's `@BusEvent({ maxPayloadBytes })`, else the module's. */
  readonly limit: number;
}

/**
 * `publish` refused an event because a field cannot go through the codec without changing what the handlers
 * would receive, or because the encoded event is larger than its `maxPayloadBytes`. Nothing was written and no
 * handler ran.
 */
export class EventEncodingError extends EventBusError {
  override readonly name: string = 'EventEncodingError';

  constructor(
    readonly eventName: string,
    /** Path of the offending field from the event root, e.g. `lines[2].price` (the largest field, for a size). */
    readonly path: string,
    readonly reason: string,
    readonly hint: string,
    /** Set when the event was refused for its size. */
    readonly size?: PayloadSize,
  ) {
    super(
      size
        ? `Cannot publish event "${eventName}": it encodes to ${size.bytes} bytes, over its limit of ${size.limit} ` +
            `bytes (maxPayloadBytes); ${reason}. ${hint}`
        : `Cannot publish event "${eventName}": field "${path}" ${reason}. ${hint}`,
    );
  }
}
