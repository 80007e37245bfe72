import type { JsonValue } from './value-type';

/** An encoded payload: readable JSON plus the type annotations needed to restore it (absent when none). */
export interface EncodedPayload {
  readonly json: JsonValue;
  readonly meta?: Record<string, unknown>;
}

/** The identity of one published event, shared by every handler that sees it. */
export interface EventEnvelope {
  /** Unique and sortable by publish time (a monotonic ULID). */
  readonly id: string;
  /** Wire name from `@BusEvent`. */
  readonly name: string;
  readonly version: number;
  readonly occurredAt: Date;
  /** Id of the first event of the chain this event belongs to (its own id when it starts one). */
  readonly correlationId: string;
  /** Id of the event whose handler published this one; `undefined` when published outside a handler. */
  readonly causationId: string | undefined;
  /** Partition key from `@BusEvent({ partitionKey })`, when the event has one. */
  readonly partitionKey: string | undefined;
  /** Where the event is in its chain: 1 when published outside a handler, n + 1 when a handler of depth n published it. */
  readonly depth: number;
  /** W3C trace context of the publish (`00-<trace id>-<span id>-<flags>`), when it was traced (OpenTelemetry). */
  readonly traceparent?: string;
  /** W3C `tracestate` of the publish, when it had one. */
  readonly tracestate?: string;
}

/**
 * The data of one async job, as stored in Redis: plain, readable JSON. `payload` holds the event's fields as JSON
 * and `types` the annotations that restore Dates, BigInts, Maps, Sets, `undefined` and classes.
 */
export interface EventJobData {
  readonly event: string;
  readonly version: number;
  readonly id: string;
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly partitionKey: string | null;
  /** The envelope's depth; absent for 1 (an event that starts its chain, and jobs written before it existed). */
  readonly depth?: number;
  /** The publish's W3C trace context, when it was traced (so a worker's span continues the publisher's trace). */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly handler: string;
  readonly payload: EncodedPayload['json'];
  readonly types?: EncodedPayload['meta'];
}

/**
 * Builds a job's data from the envelope, the handler it is for and the encoded payload. `partitionKey` is the key
 * this handler orders by (its own `partitionBy`, else the event's); `null` in the job when it has none.
 */
export function toJobData(
  envelope: EventEnvelope,
  handlerId: string,
  payload: EncodedPayload,
  partitionKey: string | undefined,
): EventJobData {
  return { ...toEventData(envelope, payload, partitionKey), handler: handlerId };
}

/** The envelope and encoded payload as plain JSON, without a handler: a job's data, or a broadcast message. */
export function toEventData(
  envelope: EventEnvelope,
  payload: EncodedPayload,
  partitionKey: string | undefined,
): Omit<EventJobData, 'handler'> {
  const data = {
    event: envelope.name,
    version: envelope.version,
    id: envelope.id,
    occurredAt: envelope.occurredAt.toISOString(),
    correlationId: envelope.correlationId,
    causationId: envelope.causationId ?? null,
    partitionKey: partitionKey ?? null,
    ...(envelope.depth > 1 ? { depth: envelope.depth } : {}),
    payload: payload.json,
    ...(payload.meta ? { types: payload.meta } : {}),
  };
  return envelope.traceparent ? { ...data, ...traceFieldsOf(envelope) } : data;
}

/** The envelope's trace context fields, for a job's data or a handler's context (only those it has). */
export function traceFieldsOf(envelope: EventEnvelope): Pick<EventEnvelope, 'traceparent' | 'tracestate'> {
  return envelope.tracestate
    ? { traceparent: envelope.traceparent, tracestate: envelope.tracestate }
    : { traceparent: envelope.traceparent };
}

/**
 * The deterministic job id of (event, handler): the same event instance published twice, or re-sent by a relay,
 * maps to the same job, which BullMQ does not add twice while it exists.
 */
export function jobIdOf(eventId: string, handlerId: string): string {
  return `${eventId}.${handlerId}`;
}

/** The partition key recorded in a job's data, if any (tolerates data that is not an envelope). */
export function partitionKeyOfJob(data: unknown): string | undefined {
  const key = (data as { partitionKey?: unknown } | null)?.partitionKey;
  return typeof key === 'string' ? key : undefined;
}
