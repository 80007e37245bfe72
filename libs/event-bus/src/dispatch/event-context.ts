import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventDefinition } from '../events/bus-event.decorator';
import { EventEnvelope, traceFieldsOf } from '../events/event-envelope';
import { newEventId } from '../events/event-id';
import { activeTraceContext, tracingOn } from '../telemetry/trace-context';

/** What a handler knows about the delivery it is running for (second argument of every handler). */
export interface EventContext {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventVersion: number;
  readonly occurredAt: Date;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  readonly partitionKey: string | undefined;
  /** Where the event is in its chain: 1 when published outside a handler, n + 1 when published by a handler of n. */
  readonly depth: number;
  readonly handlerId: string;
  /** `'broadcast'`: an `@OnEventBroadcast` handler, on every node, at most once. */
  readonly mode: 'sync' | 'async' | 'broadcast';
  /** 1 on the first try, 2 on the first retry, and so on. Always 1 for sync and broadcast handlers. */
  readonly attempt: number;
  /** How many tries this delivery gets in all. 1 for sync and broadcast handlers. */
  readonly maxAttempts: number;
  /**
   * W3C trace context of the event's publish, when it was traced and this process traces (OpenTelemetry): for logs
   * that name the trace.
   */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

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
