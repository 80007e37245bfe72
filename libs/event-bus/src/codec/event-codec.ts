import { SuperJSON } from './bundled-superjson';
import { EventBusConfigError, EventBusError, EventEncodingError } from '../errors';
import { EventClass } from '../events/event-class';
import { EventDefinition } from '../events/bus-event.decorator';
import { findEncodingProblem } from './encodability';
import { JsonValue, ValueType } from './value-type';

/** An encoded payload: readable JSON plus the type annotations needed to restore it (absent when none). */
export interface EncodedPayload {
  readonly json: JsonValue;
  readonly meta?: Record<string, unknown>;
}

/**
 * The one codec of a bus, on superjson: an event's fields become readable JSON (`json`) plus a small annotation of
 * the non-JSON types in it (`meta`: Dates, BigInts, Maps, Sets, `undefined`, registered classes and value types),
 * and come back deep-equal with the same classes.
 */
export class EventCodec {
  private readonly superjson = new SuperJSON();
  private readonly registeredClasses = new Set<unknown>();

  constructor(
    wireClasses: ReadonlyMap<string, ReadonlySet<EventClass>>,
    private readonly valueTypes: readonly ValueType[] = [],
  ) {
    for (const [name, classes] of wireClasses) {
      if (classes.size > 1) {
        const names = [...classes].map((target) => target.name).join(', ');
        throw new EventBusConfigError(
          `Wire name "${name}" is declared by more than one class (${names}). Each @BusEvent/@BusType name must be ` +
            `unique in the process: rename one of them.`,
        );
      }
      const [target] = classes as unknown as [EventClass];
      this.superjson.registerClass(target, { identifier: name });
      this.registeredClasses.add(target);
    }
    const seen = new Set<string>();
    for (const type of valueTypes) {
      if (seen.has(type.name) || wireClasses.has(type.name)) {
        throw new EventBusConfigError(
          `Value type name "${type.name}" is used twice (by another value type or a @BusType class): names must be unique.`,
        );
      }
      seen.add(type.name);
      this.superjson.registerCustom(
        {
          isApplicable: (value: unknown): value is unknown => type.isApplicable(value),
          serialize: (value: unknown) => type.serialize(value),
          deserialize: (json: JsonValue) => type.deserialize(json),
        },
        type.name,
      );
    }
  }

  /**
   * Encodes an event's fields. Throws {@link EventEncodingError}, naming the event and the field, when a field
   * would not come back deep-equal (function, symbol, cycle, instance of an unregistered class).
   */
  encode(eventName: string, event: object): EncodedPayload {
    this.assertEncodable(eventName, event);
    const { json, meta } = this.superjson.serialize({ ...event });
    return meta ? { json: json as JsonValue, meta: meta } : { json: json as JsonValue };
  }

  /** Checks what {@link encode} checks, without encoding. */
  assertEncodable(eventName: string, event: object): void {
    const problem = findEncodingProblem(event, (ctor) => this.registeredClasses.has(ctor), this.valueTypes);
    if (problem) throw new EventEncodingError(eventName, problem.path || '(root)', problem.reason, problem.hint);
  }

  /** Decodes the fields of an event encoded by {@link encode} (throws on malformed input). */
  decodeFields(encoded: EncodedPayload): Record<string, unknown> {
    const fields = this.superjson.deserialize({
      json: encoded.json,
      meta: encoded.meta,
    });
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new EventBusError(
        `EventCodec.decodeFields: the payload is not an object (received ${Array.isArray(fields) ? 'an array' : fields === null ? 'null' : typeof fields}); pass { json, meta } as encode() returned them.`,
      );
    }
    return fields as Record<string, unknown>;
  }

  /** Rebuilds an event instance from decoded fields, without calling its constructor. */
  static instantiate<E extends object>(definition: EventDefinition<E>, fields: Record<string, unknown>): E {
    return Object.assign(Object.create(definition.target.prototype as object) as E, fields);
  }
}
