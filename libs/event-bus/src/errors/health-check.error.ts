import { EventBusError } from './event-bus.error';

/**
 * A part of the bus did not answer a health check: the broker (Redis) is not connected or did not answer its PING in
 * time, or the outbox or the parked keys could not be read in time. The health indicator reports its message as the
 * reason; see the broker's and the database's own logs for why.
 */
export class HealthCheckError extends EventBusError {
  override readonly name: string = 'HealthCheckError';

  constructor(
    /** What was checked: `'broker'`, `'outbox'`, `'parked keys'`. */
    readonly part: string,
    message: string,
  ) {
    super(message);
  }
}
