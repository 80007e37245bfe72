import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventContext } from '../contracts/event-context';
import type { EventDefinition } from '../events/bus-event.decorator';
import { EventEnvelope, traceFieldsOf } from '../contracts/event-envelope';
import { newEventId } from '../events/event-id';
import { activeTraceContext, tracingOn } from './trace-context';

/** Builds a handler's context from the event's envelope. */
export function contextOf(
  envelope: EventEnvelope,
  handlerId: string,
  mode: EventContext['mode'],
  attempt = 1,
  maxAttempts = 1,
): EventContext {
  const context: EventContext = {
    eventId: envelope.id,
    eventName: envelope.name,
    eventVersion: envelope.version,
    occurredAt: envelope.occurredAt,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    partitionKey: envelope.partitionKey,
    depth: envelope.depth,
    handlerId,
    mode,
    attempt,
    maxAttempts,
  };
  return tracingOn() && envelope.traceparent ? { ...context, ...traceFieldsOf(envelope) } : context;
}

/**
 * The handler currently running in this async context. `publish` reads it to give follow-up events their
 * causation (the handled event) and correlation (the chain's first event).
 */
export const currentEventContext = new AsyncLocalStorage<EventContext>();

/**
 * The envelope of an event published (or run by the testing kit) now. Inside a handler the event continues the
 * handled event's chain: it keeps its correlation id and has it as causation; `correlationId` names the chain of an
 * event that starts one (no handler running), else the event's own id does. `publish` and `runEvent` both use it.
 */
export function newEnvelope(event: object, definition: EventDefinition, correlationId?: string): EventEnvelope {
  const id = newEventId();
  const parent = currentEventContext.getStore();
  const trace = tracingOn() ? activeTraceContext() : undefined;
  const envelope: EventEnvelope = {
    id,
    name: definition.name,
    version: definition.version,
    occurredAt: new Date(),
    correlationId: parent?.correlationId ?? correlationId ?? id,
    causationId: parent?.eventId,
    partitionKey: definition.partitionKeyOf?.(event),
    depth: parent ? parent.depth + 1 : 1,
  };
  return trace ? { ...envelope, ...trace } : envelope;
}
