import { openTelemetry } from './open-telemetry';

// No type of @opentelemetry/api in this file's declarations: it is reachable from the public entry point (the
// TraceContext type), and the package must typecheck for apps that do not have it.

/**
 * The W3C trace context of a publish (`traceparent`, `tracestate` headers), as an event carries it: in its
 * envelope, its jobs' data, its outbox rows and its broadcast messages. Absent when the publish was not traced.
 */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

let carrying = false;

/** From now on, envelopes carry the active trace context (called once an app of this process traces). */
export function carryTraceContext(): void {
  carrying = true;
}

/** Whether an app of this process traces (envelopes and handler contexts then carry trace context). */
export function tracingOn(): boolean {
  return carrying;
}

/**
 * The active span's trace context, for the envelope of an event published now; `undefined` (at the cost of one
 * check) until an app of this process traces, and when no span is active.
 */
export function activeTraceContext(): TraceContext | undefined {
  if (!carrying) return undefined;
  const api = openTelemetry()!;
  const span = api.trace.getSpan(api.context.active())?.spanContext();
  if (!span || !api.isSpanContextValid(span)) return undefined;
  const flags = (span.traceFlags & api.TraceFlags.SAMPLED) !== 0 ? '01' : '00';
  const traceparent = `00-${span.traceId}-${span.spanId}-${flags}`;
  const tracestate = span.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The trace context fields of event data (a job's, a broadcast message's), when they are strings. */
export function traceContextOfData(data: { traceparent?: unknown; tracestate?: unknown }): TraceContext | undefined {
  if (typeof data.traceparent !== 'string') return undefined;
  return typeof data.tracestate === 'string'
    ? { traceparent: data.traceparent, tracestate: data.tracestate }
    : { traceparent: data.traceparent };
}
