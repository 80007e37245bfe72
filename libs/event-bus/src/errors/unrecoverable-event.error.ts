import { EventBusError } from './event-bus.error';

/**
 * Throw this from an async handler when retrying cannot help (the order no longer exists, the input is invalid):
 * the job goes straight to the failed set with this error, without using its remaining attempts.
 *
 * ```ts
 * if (!order) throw new UnrecoverableEventError(`order ${event.orderId} does not exist`);
 * ```
 */
export class UnrecoverableEventError extends EventBusError {
  override readonly name: string = 'UnrecoverableEventError';
}

/** True for an {@link UnrecoverableEventError} or any subclass, also when it crossed a realm or process boundary. */
export function isUnrecoverableError(error: unknown): boolean {
  if (error instanceof UnrecoverableEventError) return true;
  return (
    error instanceof Error &&
    (error.name === 'UnrecoverableEventError' ||
      error.name === 'InvalidJobError' ||
      error.name === 'EventCycleError' ||
      error.name === 'UnrecoverableError')
  );
}
