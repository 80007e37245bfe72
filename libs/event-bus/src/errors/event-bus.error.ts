/**
 * Base class of every error this library throws. Catch `EventBusError` to handle them all; check `name` (stable
 * across processes and realms) or `instanceof` a subclass to handle one.
 */
export class EventBusError extends Error {
  override readonly name: string = 'EventBusError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
