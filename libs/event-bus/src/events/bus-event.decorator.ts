import { EventBusConfigError } from '../errors';
import { EventClass, PartitionKeySelector } from './event-class';
import { registerWireClass } from './wire-classes';
import { assertWireName } from './wire-name';

const BUS_EVENT_METADATA = Symbol.for('nestjs-durable-bus:event');

/** Options of {@link BusEvent}. */
export interface BusEventOptions<E extends object> {
  /**
   * Schema version of the payload, stored with every job. A worker refuses (fails, without retrying) a job whose
   * version is newer than the class it knows, and passes older payloads through `upcast` when given. Default 1.
   */
  version?: number;
  /**
   * The event's partition key: a field name or a pure function. Async handlers of partitioned events see events of
   * the same key one at a time, in publish order (handlers can override or opt out).
   */
  partitionKey?: PartitionKeySelector<E>;
  /**
   * Turns the decoded payload of an older version into the current shape. Receives the fields as decoded
   * (nested classes, Dates and so on already restored) and the version they were published with.
   */
  upcast?: (fields: Record<string, unknown>, fromVersion: number) => Record<string, unknown>;
  /**
   * Largest encoded size of this event's fields, in bytes; overrides the module's `maxPayloadBytes` (default
   * 1048576, 1 MiB). A larger event is refused at `publish` with an `EventEncodingError`, before anything is written.
   */
  maxPayloadBytes?: number;
}

/** What `@BusEvent` recorded about an event class. */
export interface EventDefinition<E extends object = object> {
  readonly name: string;
  readonly version: number;
  readonly target: EventClass<E>;
  readonly partitionKeyOf: ((event: E) => string | undefined) | undefined;
  readonly upcast: BusEventOptions<E>['upcast'];
  /** The event's own size limit; `undefined` means the module's `maxPayloadBytes`. */
  readonly maxPayloadBytes: number | undefined;
}

/**
 * Declares a class as an event with a stable wire name. The name, not the JS class name, travels in jobs, so
 * minifiers and renames do not strand jobs in flight.
 *
 * ```ts
 * @BusEvent('orders.order-created', { partitionKey: 'orderId' })
 * export class OrderCreated {
 *   constructor(readonly orderId: string, readonly total: Decimal) {}
 * }
 * ```
 */
export function BusEvent<E extends object>(name: string, options: BusEventOptions<E> = {}) {
  return (target: EventClass<E>): void => {
    assertWireName('@BusEvent', target, name);
    const version = options.version ?? 1;
    if (!Number.isInteger(version) || version < 1) {
      throw new EventBusConfigError(
        `@BusEvent('${name}') on class ${target.name}: version must be a positive integer, received ${String(version)}.`,
      );
    }
    const maxPayloadBytes = options.maxPayloadBytes;
    if (maxPayloadBytes !== undefined && (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1)) {
      throw new EventBusConfigError(
        `@BusEvent('${name}') on class ${target.name}: maxPayloadBytes must be a positive integer (bytes), received ` +
          `${String(maxPayloadBytes)}.`,
      );
    }
    const definition: EventDefinition<E> = {
      name,
      version,
      target,
      partitionKeyOf: compilePartitionKey(options.partitionKey),
      upcast: options.upcast,
      maxPayloadBytes,
    };
    Reflect.defineMetadata(BUS_EVENT_METADATA, definition, target);
    registerWireClass(name, target);
  };
}

/** The metadata (keyed by `Symbol.for`, so copies of this package agree) is the truth; this is a cache of it. */
const definitions = new WeakMap<object, unknown>();

/** The definition `@BusEvent` put on this class (not inherited), or `undefined`. */
export function getEventDefinition<E extends object>(target: object): EventDefinition<E> | undefined {
  // From plain JavaScript any value can arrive here; only a class can carry the decorator.
  if (typeof target !== 'function') return undefined;
  const cached = definitions.get(target);
  if (cached) return cached as EventDefinition<E>;
  const definition = Reflect.getOwnMetadata(BUS_EVENT_METADATA, target) as EventDefinition<E> | undefined;
  if (definition) definitions.set(target, definition);
  return definition;
}

/** Like {@link getEventDefinition}, but throws a config error that says how to fix a missing decorator. */
export function requireEventDefinition<E extends object>(target: object, usage: string): EventDefinition<E> {
  const definition = getEventDefinition<E>(target);
  if (!definition) {
    if (typeof target !== 'function') {
      throw new EventBusConfigError(
        `${usage} expects an event class (decorated with @BusEvent), received ${describeValue(target)}.`,
      );
    }
    throw new EventBusConfigError(
      `${usage}: ${(target as { name?: string }).name || 'the class'} is not an event. Decorate it with @BusEvent('<context>.<event-name>') ` +
        `so it has a stable wire name (subclasses need their own @BusEvent).`,
    );
  }
  return definition;
}

function compilePartitionKey<E extends object>(
  selector: PartitionKeySelector<E> | undefined,
): ((event: E) => string | undefined) | undefined {
  if (selector === undefined) return undefined;
  const read: (event: E) => unknown =
    typeof selector === 'function' ? selector : (event) => (event as Record<string, unknown>)[selector];
  return (event) => toPartitionKey(read(event));
}

/** Normalises a partition key value; `undefined` means "no key". */
export function toPartitionKey(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new EventBusConfigError(
    `A partition key must be a string, number or bigint; received ${typeof value}. Return a string from partitionKey.`,
  );
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return value === null ? 'null' : typeof value;
}
