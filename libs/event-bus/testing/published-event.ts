import type { EventEnvelope } from '../src/events/event-envelope';
import type { EventBusTestingMode } from './testing-mode';

/** One event the bus accepted during the test, as the testing kit recorded it. */
export interface PublishedEvent<E extends object = object> {
  /** The instance that was published (not a copy). */
  readonly event: E;
  /** The event's wire name (`@BusEvent`). */
  readonly name: string;
  readonly envelope: EventEnvelope;
  /** Ids of the async handlers interested in it (filters passed): one job each. */
  readonly handlerIds: readonly string[];
  /** Where it was published: the first stack frame outside the library (`path:line:column`), when known. */
  readonly location: string | undefined;
  /** The stack frames outside the library, innermost first. */
  readonly stack: readonly string[];
  /** The kit's mode when it was published. */
  readonly mode: EventBusTestingMode;
  /** Whether an assertion (`expectPublished`, `toHavePublished`, …) has claimed it. */
  readonly asserted: boolean;
}

/** The kit's own, mutable view of a record. */
export interface PublishedEventRecord extends PublishedEvent {
  asserted: boolean;
}

/** `OrderPlaced` or `orders.order-placed (OrderPlaced)`, for messages. */
export function describeEventName(record: Pick<PublishedEvent, 'name' | 'event'>): string {
  return `${record.name} (${record.event.constructor.name})`;
}
