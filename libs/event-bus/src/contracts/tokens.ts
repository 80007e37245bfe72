/** Injection token of the options after defaults and checks (`ResolvedEventBusOptions`). */
export const RESOLVED_EVENT_BUS_OPTIONS = Symbol.for('nestjs-durable-bus:resolved-options');

/** Injection token of the bus's `EventCodec`. */
export const EVENT_CODEC = Symbol.for('nestjs-durable-bus:codec');
