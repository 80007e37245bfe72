import type { Context } from '@opentelemetry/api';
import { OpenTelemetry, openTelemetry } from './open-telemetry';

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

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The context whose (remote) parent is the span `traceparent` names; `undefined` when it is absent or malformed
 * (a job written by hand, or by a version that did not trace: the handler's span then starts a trace of its own).
 */
export function remoteContextOf(
  api: OpenTelemetry,
  base: Context,
  traceparent: unknown,
  tracestate: unknown,
): Context | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent);
  if (!match || match[1] === 'ff') return undefined;
  const spanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: parseInt(match[4]!, 16) & api.TraceFlags.SAMPLED,
    isRemote: true,
    ...(typeof tracestate === 'string' && tracestate !== '' ? { traceState: api.createTraceState(tracestate) } : {}),
  };
  if (!api.isSpanContextValid(spanContext)) return undefined;
  return api.trace.setSpanContext(base, spanContext);
}

/** The trace context fields of event data (a job's, a broadcast message's), when they are strings. */
export function traceContextOfData(data: { traceparent?: unknown; tracestate?: unknown }): TraceContext | undefined {
  if (typeof data.traceparent !== 'string') return undefined;
  return typeof data.tracestate === 'string'
    ? { traceparent: data.traceparent, tracestate: data.tracestate }
    : { traceparent: data.traceparent };
}
