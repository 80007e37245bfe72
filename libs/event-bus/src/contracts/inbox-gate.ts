import type { EventContext } from './event-context';

/**
 * What dispatch needs from the inbox: run one try of a `{ inbox: true }` handler at most once per event (the
 * `EventBusInbox` of the inbox feature implements it). A contract, so dispatch does not depend on the feature.
 */
export interface InboxGate {
  /** Runs `handle` once for the context's (handler id, event id); a delivery seen before resolves without running it. */
  run(context: EventContext, jobId: string | undefined, handle: () => Promise<unknown>): Promise<unknown>;
}

/** Injection token of the {@link InboxGate} (the module binds it to `EventBusInbox`). */
export const INBOX_GATE = Symbol.for('nestjs-durable-bus:inbox-gate');
