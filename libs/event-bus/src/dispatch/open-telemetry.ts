import type * as OpenTelemetryApi from '@opentelemetry/api';
import { BusTelemetryNames } from '../contracts/telemetry-names';

/** `@opentelemetry/api`, as this process has it. */
export type OpenTelemetry = typeof OpenTelemetryApi;

let loaded: OpenTelemetry | null | undefined;

/**
 * `@opentelemetry/api` when the app has it installed, else `undefined`: it is an optional peer, so the bus loads
 * and works without it. Required on first use, not at import, and only once.
 */
export function openTelemetry(): OpenTelemetry | undefined {
  if (loaded === undefined) {
    try {
      loaded = require('@opentelemetry/api') as OpenTelemetry; // eslint-disable-line @typescript-eslint/no-require-imports
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/**
 * Whether an SDK registered a tracer provider: without one every span is a no-op, and the bus skips making them
 * (a publish then costs what it costs without tracing).
 */
export function tracerProviderRegistered(api: OpenTelemetry): boolean {
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return true;
  return provider.getDelegate() !== new api.ProxyTracerProvider().getDelegate();
}

/** Whether an SDK registered a meter provider (the API's own is a no-op). */
export function meterProviderRegistered(api: OpenTelemetry): boolean {
  const meter = api.metrics.getMeterProvider().getMeter('nestjs-durable-bus');
  return meter.constructor !== api.createNoopMeter().constructor;
}

/** The instrumentation scope the bus's spans and metrics are reported under. */
export const INSTRUMENTATION_SCOPE = BusTelemetryNames.scope;
