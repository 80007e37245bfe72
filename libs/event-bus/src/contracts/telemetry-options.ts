/**
 * OpenTelemetry for the bus (`@opentelemetry/api`, an optional peer). Each part is on when its SDK provider is
 * registered before the app is created (as `NodeSDK.start()` does), and costs nothing otherwise: without the API
 * installed, or without an SDK, the bus makes no span and records no metric.
 */
export interface TelemetryOptions {
  /**
   * A PRODUCER span per publish, a span per handler try (CONSUMER for async and broadcast handlers, INTERNAL for
   * sync ones, children of the publish), and the W3C trace context carried in every job. Default true.
   */
  readonly tracing?: boolean;
  /** Counters, histograms and queue gauges (see docs/operating.md for the names). Default true. */
  readonly metrics?: boolean;
}

/** {@link TelemetryOptions} with the defaults applied. */
export const TelemetryDefaults: Required<TelemetryOptions> = { tracing: true, metrics: true };
