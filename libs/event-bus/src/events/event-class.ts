/** Any class whose instances are events or parts of events. */
export type EventClass<E extends object = object> = new (...args: never[]) => E;

/** A partition key value: strings are used as is, numbers and bigints through `String()`. */
export type PartitionKeyValue = string | number | bigint;

/** The keys of `E` whose values can serve as a partition key. */
export type PartitionKeyField<E> = {
  [K in keyof E]-?: E[K] extends PartitionKeyValue | undefined | null ? K : never;
}[keyof E] &
  string;

/**
 * How an event names its partition key: a field name, or a pure function of the event. `undefined`/`null` means
 * "no key for this event" (it goes to the normal, parallel queues).
 */
export type PartitionKeySelector<E> = PartitionKeyField<E> | ((event: E) => PartitionKeyValue | undefined | null);

/**
 * The class of an event, from its prototype: an event may have a field named `constructor`, which `event.constructor`
 * would return instead.
 */
export function classOf(event: object): object {
  return (Object.getPrototypeOf(event) as { constructor?: object } | null)?.constructor ?? event;
}
