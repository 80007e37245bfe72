/** Injection token of the options after defaults and checks (`ResolvedEventBusOptions`). */
export const RESOLVED_EVENT_BUS_OPTIONS = Symbol.for('nestjs-durable-bus:resolved-options');

/** Injection token of the bus's `EventCodec`. */
export const EVENT_CODEC = Symbol.for('nestjs-durable-bus:codec');

/**
 * Injection token of the interceptors the bus itself puts around every handler call, outside the app's (tracing and
 * metrics when an OpenTelemetry SDK is registered): the module binds it, dispatch runs them.
 */
export const BUILT_IN_INTERCEPTORS = Symbol.for('nestjs-durable-bus:built-in-interceptors');
