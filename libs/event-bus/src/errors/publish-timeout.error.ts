import { EventBusError } from './event-bus.error';

/**
 * A publish (or the write after a transaction's commit) waited `publishTimeout` ms for the transport and gave up.
 * `written` says what became of its jobs: `'no'` when they were still waiting for a connection (nothing was sent, so
 * nothing will arrive later), `'unknown'` when they had been sent and no reply came (the connection went away with
 * the write in flight: it may have been stored). Publishing the same event instance again is safe either way: it
 * keeps its event id, so jobs already stored are not duplicated.
 */
export class PublishTimeoutError extends EventBusError {
  override readonly name: string = 'PublishTimeoutError';

  constructor(
    /** Wire names of the events whose jobs timed out. */
    readonly events: readonly string[],
    /** How long the write waited, in ms. */
    readonly waitedMs: number,
    readonly written: 'no' | 'unknown',
    /** Why the transport did not answer, e.g. the connection's last error. */
    readonly reason: string,
  ) {
    super(
      `Publishing ${describeEvents(events)} timed out after ${waitedMs} ms: ${reason}. ` +
        (written === 'no'
          ? 'Nothing was written. '
          : 'The write had been sent when the connection went away, so it may have been stored. ') +
        `Publish the same event instance again once the transport is back (it keeps its event id, so nothing is ` +
        `duplicated), raise publishTimeout, or publish inside a transaction with the outbox on so events wait out an ` +
        `outage in the database.`,
    );
  }
}

/**
 * `maxPendingPublishes` writes were already waiting for the transport (it is down or slower than the publishers), so
 * this publish was refused at once instead of being held in memory. Nothing was written.
 */
export class PublishQueueFullError extends EventBusError {
  override readonly name: string = 'PublishQueueFullError';

  constructor(
    readonly events: readonly string[],
    readonly maxPendingPublishes: number,
    reason: string,
  ) {
    super(
      `Publishing ${describeEvents(events)} was refused: ${maxPendingPublishes} publishes are already waiting for ` +
        `the transport (${reason}), the maxPendingPublishes limit. Nothing was written. Retry later, raise ` +
        `maxPendingPublishes, or publish inside a transaction with the outbox on so events wait out an outage in the ` +
        `database.`,
    );
  }
}

function describeEvents(events: readonly string[]): string {
  const names = [...new Set(events)];
  if (names.length === 0) return 'jobs';
  const shown = names.slice(0, 3).map((name) => `"${name}"`);
  return `event ${shown.join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`;
}
