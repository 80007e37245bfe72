import type { EventEnvelope } from '../src/contracts/event-envelope';
import type { EventBusTestingMode } from './testing-mode';

/**
 * One event published during the test, as the testing kit recorded it. `kit.events` and the assertions see those
 * whose publish succeeded; those a sync handler (or a bridged listener, or the transport) refused are in
 * `kit.refused()` instead, as {@link RefusedEvent}s.
 */
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
  /** `'refused'` when the publish rejected (nothing async was dispatched for it): see {@link RefusedEvent}. */
  readonly status: 'published' | 'refused';
}

/** An event whose publish rejected, with the error it rejected with (a `SyncHandlerError` when a handler threw). */
export interface RefusedEvent<E extends object = object> extends PublishedEvent<E> {
  readonly status: 'refused';
  readonly error: unknown;
}

/** The kit's own, mutable view of a record. */
export interface PublishedEventRecord extends PublishedEvent {
  asserted: boolean;
  status: 'published' | 'refused';
  error?: unknown;
}

/** `OrderPlaced` or `orders.order-placed (OrderPlaced)`, for messages. */
export function describeEventName(record: Pick<PublishedEvent, 'name' | 'event'>): string {
  return `${record.name} (${record.event.constructor.name})`;
}
