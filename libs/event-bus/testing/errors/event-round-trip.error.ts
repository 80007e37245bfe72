import { EventBusError } from '../../src/errors/event-bus.error';
import { show } from '../value-difference';

/**
 * An event would not reach its async handlers as it was published: after encode → JSON → decode, a field differs.
 * Thrown by `publish` (and `runEvent`) in tests, naming the field, what was published and what a handler would get.
 */
export class EventRoundTripError extends EventBusError {
  override readonly name: string = 'EventRoundTripError';

  constructor(
    readonly eventName: string,
    /** Path of the field that broke, e.g. `lines[0].price` (`(root)` for the event itself). */
    readonly path: string,
    readonly expected: unknown,
    readonly received: unknown,
    readonly reason: string,
  ) {
    super(
      `Event "${eventName}" does not survive the codec round trip: field "${path}" ${reason}.\n` +
        `  published: ${show(expected)}\n` +
        `  a handler would receive: ${show(received)}\n` +
        'Async handlers get the decoded copy. Make the field plain data the codec carries (fields, Date, BigInt, ' +
        'Map, Set, @BusType classes), or fix the value type whose serialize/deserialize is not symmetric.',
    );
  }
}
