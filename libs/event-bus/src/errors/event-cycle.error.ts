import { UnrecoverableEventError } from './unrecoverable-event.error';

/**
 * A publish refused because its event would be deeper in its chain (events published by handlers of events, under
 * one correlation id) than `maxChainDepth` allows: handlers publishing each other's events in a loop (A → B → A …)
 * never end on their own. Nothing is written. Thrown inside a handler, it fails that handler's job for good (retrying
 * would publish into the same loop), and the chain stops there.
 */
export class EventCycleError extends UnrecoverableEventError {
  override readonly name: string = 'EventCycleError';

  constructor(
    /** Wire name of the refused event. */
    readonly event: string,
    /** The chain's correlation id: every event of the chain carries it. */
    readonly correlationId: string,
    /** Where the refused event would have been in its chain (1 is the event that starts it). */
    readonly depth: number,
    readonly maxChainDepth: number,
    /** The handler that published it, and the event it was handling. */
    readonly publishedBy: { readonly handlerId: string; readonly eventName: string },
  ) {
    super(
      `Publishing event "${event}" was refused: it would be event ${depth} of chain ${correlationId}, beyond ` +
        `maxChainDepth ${maxChainDepth}. It was published by handler "${publishedBy.handlerId}" handling ` +
        `"${publishedBy.eventName}" (event ${depth - 1} of the chain). Handlers that publish each other's events ` +
        `(${publishedBy.eventName} → ${event} → …) loop until something stops them: end the chain in a handler, or ` +
        `raise maxChainDepth if a chain is meant to be this long.`,
    );
  }
}
