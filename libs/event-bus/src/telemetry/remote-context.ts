import type { Context } from '@opentelemetry/api';
import type { OpenTelemetry } from '../dispatch/open-telemetry';

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
