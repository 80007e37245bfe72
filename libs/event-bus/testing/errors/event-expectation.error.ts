import { EventBusError } from '../../src/errors/event-bus.error';

/** An assertion of the testing kit failed (`expectPublished`, `expectNotPublished`, `expectPublishedTimes`). */
export class EventExpectationError extends EventBusError {
  override readonly name: string = 'EventExpectationError';
}
