import { EventBusError } from '../../src/errors/event-bus.error';

/** `runEvent` could not pick exactly one handler for the event: the message lists the candidates. */
export class HandlerSelectionError extends EventBusError {
  override readonly name: string = 'HandlerSelectionError';
}
