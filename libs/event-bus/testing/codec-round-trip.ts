import type { ValueType } from '../src/contracts/value-type';
import type { HandlerInvoker } from '../src/dispatch/handler-invoker';
import type { AsyncHandlerDefinition } from '../src/handlers/handler-definition';
import { EventRoundTripError } from './errors/event-round-trip.error';
import { findDifference } from './value-difference';

/**
 * Checks that `event` comes back deep-equal after the trip a job makes: job data → JSON (what Redis stores) →
 * the production decoder of `handler`. Throws an {@link EventRoundTripError} naming the first field that differs.
 */
export function assertRoundTrip(
  invoker: HandlerInvoker,
  handler: AsyncHandlerDefinition,
  event: object,
  jobData: unknown,
  valueTypes: readonly ValueType[],
): void {
  const stored = JSON.parse(JSON.stringify(jobData)) as unknown;
  const decoded = invoker.decodeJob(handler, stored, undefined).event;
  const difference = findDifference(event, decoded, { valueTypes });
  if (difference) {
    throw new EventRoundTripError(
      handler.event.name,
      difference.path || '(root)',
      difference.expected,
      difference.received,
      difference.reason,
    );
  }
}
