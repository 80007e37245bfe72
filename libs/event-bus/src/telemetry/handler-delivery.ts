import type { EventContext } from '../contracts/event-context';
import { isUnrecoverableError } from '../errors';
import type { AsyncHandlerDefinition } from '../handlers/handler-definition';
import { laneOf } from '../contracts/lane-names';

/** What became of a failed handler try: tried again, failed for good (failed set), or its key parked. */
export type FailedTryOutcome = 'retried' | 'dead-lettered' | 'parked';

/**
 * What a failed try leads to, as the transport will decide it: sync and broadcast tries are never retried (the
 * publish rejects; the broadcast is logged); an async try is retried while attempts are left and the error is not
 * unrecoverable, else its job dead-letters, or, on a partition lane with `onExhausted: 'park'`, parks its key.
 */
export function outcomeOfFailure(
  context: EventContext,
  handler: AsyncHandlerDefinition | undefined,
  event: object,
  error: unknown,
): FailedTryOutcome | undefined {
  if (context.mode !== 'async') return undefined;
  if (!isUnrecoverableError(error) && context.attempt < context.maxAttempts) return 'retried';
  const partition = handler?.partition;
  if (partition?.onExhausted === 'park' && partition.keyOf(event) !== undefined) return 'parked';
  return 'dead-lettered';
}

/** The queue an async handler's job for `event` sits in: its own, or the lane of the event's partition key. */
export function queueOf(handler: AsyncHandlerDefinition, event: object): string {
  const partition = handler.partition;
  const key = partition?.keyOf(event);
  if (!partition || key === undefined) return handler.queue;
  return partition.laneQueues[laneOf(key, partition.lanes)]!;
}
