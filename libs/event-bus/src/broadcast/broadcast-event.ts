/** One event as the {@link BroadcastFeed} emits it: the envelope, and the event instance as `payload`. */
export interface BroadcastEvent<E extends object = object> {
  /** Wire name from `@BusEvent`. */
  readonly eventName: string;
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  readonly partitionKey: string | undefined;
  /** The event, decoded: an instance of its class, nested classes and value types restored. */
  readonly payload: E;
}
