import { EventBusError } from '../../src/errors/event-bus.error';
import { describeEventName, PublishedEvent } from '../published-event';
import { show } from '../value-difference';

/**
 * Events published in strict mode were not asserted: thrown when the test ends (the kit's teardown) or when the
 * test leaves strict mode. The message lists each event (name, fields) and where it was published.
 */
export class UnassertedEventsError extends EventBusError {
  override readonly name: string = 'UnassertedEventsError';

  constructor(readonly events: readonly PublishedEvent[]) {
    const lines = events.map(
      (record, i) =>
        `  ${i + 1}. ${describeEventName(record)} ${show({ ...record.event })}\n` +
        `     published at ${record.location ?? '(unknown location)'}`,
    );
    super(
      `${events.length} event(s) published in strict mode were not asserted:\n${lines.join('\n')}\n` +
        'Assert each one with kit.expectPublished(EventClass, fields) or expect(kit).toHavePublished(EventClass, ' +
        "fields), or publish it outside strict mode (kit.setMode('default')).",
    );
  }
}
