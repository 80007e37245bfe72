import { EventBusError } from './event-bus.error';

/**
 * The bus is misconfigured or misused: bad module options, an event class without `@BusEvent`, a duplicate handler
 * id, a handler on a provider scope the bus cannot serve. Thrown at boot (or at the offending call) with what was
 * wrong and how to fix it.
 */
export class EventBusConfigError extends EventBusError {
  override readonly name: string = 'EventBusConfigError';
}
