import type { EncodedPayload } from '../contracts/event-envelope';
import { SuperJSON } from './bundled-superjson';
import { EventBusConfigError, EventBusError, EventEncodingError } from '../errors';
import { EventClass } from '../events/event-class';
import { EventDefinition } from '../events/bus-event.decorator';
import { inspectPayload, PayloadInspection } from './encodability';
import { EXACT_SHAPE_NAMES, EXACT_SHAPES, fromEntries } from './exact-shapes';
import { DEFAULT_MAX_PAYLOAD_BYTES, encodedSize, largestField } from './payload-size';
import { JsonValue, ValueType } from '../contracts/value-type';

/**
 * The one codec of a bus, on superjson: an event's fields become readable JSON (`json`) plus a small annotation of
 * the non-JSON types in it (`meta`: Dates, BigInts, Maps, Sets, `undefined`, registered classes and value types),
 * and come back deep-equal with the same classes. What superjson alone would change (invalid Dates, array holes,
 * `constructor`/`prototype`/`__proto__` keys, null-prototype objects) goes through the exact shapes of
 * `exact-shapes.ts`; what cannot come back equal is refused by {@link inspectPayload}.
 */
export class EventCodec {
  /** Encodes payloads without exact shapes (nearly all of them): the shapes' checks would run on every value. */
  private readonly superjson = new SuperJSON();
  /** Encodes payloads with exact shapes, and decodes every payload. */
  private readonly exactSuperjson = new SuperJSON();
  private readonly registeredClasses = new Set<unknown>();

  constructor(
    wireClasses: ReadonlyMap<string, ReadonlySet<EventClass>>,
    private readonly valueTypes: readonly ValueType[] = [],
    /** Largest encoded size, in bytes, of an event without its own `@BusEvent({ maxPayloadBytes })`. */
    private readonly maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
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
      for (const instance of [this.superjson, this.exactSuperjson])
        instance.registerClass(target, { identifier: name });
      this.registeredClasses.add(target);
    }
    const seen = new Set<string>();
    const reserved = new Set<string>(Object.values(EXACT_SHAPE_NAMES));
    for (const type of valueTypes) {
      if (seen.has(type.name) || wireClasses.has(type.name)) {
        throw new EventBusConfigError(
          `Value type name "${type.name}" is used twice (by another value type or a @BusType class): names must be unique.`,
        );
      }
      if (reserved.has(type.name)) {
        throw new EventBusConfigError(
          `Value type name "${type.name}" is reserved by the bus's codec: choose another name.`,
        );
      }
      seen.add(type.name);
      for (const instance of [this.superjson, this.exactSuperjson]) {
        instance.registerCustom(
          {
            isApplicable: (value: unknown): value is unknown => type.isApplicable(value),
            serialize: (value: unknown) => type.serialize(value),
            deserialize: (json: JsonValue) => type.deserialize(json),
          },
          type.name,
        );
      }
    }
    // After the app's value types, so that one of them claiming a shape (say, every Date) keeps it.
    for (const shape of EXACT_SHAPES) {
      this.exactSuperjson.registerCustom(
        {
          isApplicable: (value: unknown): value is unknown => shape.isApplicable(value),
          serialize: (value: unknown) => shape.serialize(value as never) as JsonValue,
          deserialize: (json: JsonValue) => shape.deserialize(json as never),
        },
        shape.name,
      );
    }
  }

  /**
   * Encodes an event's fields. Throws {@link EventEncodingError}, naming the event and the field, when a field
   * would not come back deep-equal (function, symbol, cycle, instance of an unregistered class), and, naming the
   * sizes, when the encoded fields are larger than `maxPayloadBytes` (default: the codec's, from the module).
   */
  encode(eventName: string, event: object, maxPayloadBytes: number = this.maxPayloadBytes): EncodedPayload {
    const { exactShapes } = this.inspect(eventName, event);
    const serialized = (exactShapes ? this.exactSuperjson : this.superjson).serialize({ ...event });
    const json = serialized.json;
    const meta = withoutReferences(serialized.meta);
    const bytes = encodedSize(json as JsonValue, meta);
    if (bytes > maxPayloadBytes) throw tooLarge(eventName, json as JsonValue, bytes, maxPayloadBytes);
    return meta ? { json: json as JsonValue, meta: meta } : { json: json as JsonValue };
  }

  /** Checks what {@link encode} checks, without encoding. */
  assertEncodable(eventName: string, event: object): void {
    this.inspect(eventName, event);
  }

  private inspect(eventName: string, event: object): PayloadInspection {
    const inspection = inspectPayload(event, (ctor) => this.registeredClasses.has(ctor), this.valueTypes);
    const problem = inspection.problem;
    if (problem) throw new EventEncodingError(eventName, problem.path || '(root)', problem.reason, problem.hint);
    return inspection;
  }

  /** Decodes the fields of an event encoded by {@link encode} (throws on malformed input). */
  decodeFields(encoded: EncodedPayload): Record<string, unknown> {
    const malformed = malformedAnnotation(encoded.meta?.values);
    if (malformed !== undefined) {
      throw new EventBusError(
        `EventCodec.decodeFields: the type annotations (meta.values) are malformed at ${malformed}: each node is ` +
          `[annotation] or [annotation, { key: node }], as encode() writes them.`,
      );
    }
    const fields = this.exactSuperjson.deserialize({
      json: encoded.json,
      meta: withoutReferences(encoded.meta),
    });
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new EventBusError(
        `EventCodec.decodeFields: the payload is not an object (received ${Array.isArray(fields) ? 'an array' : fields === null ? 'null' : typeof fields}); pass { json, meta } as encode() returned them.`,
      );
    }
    return fields as Record<string, unknown>;
  }

  /**
   * Rebuilds an event instance from decoded fields, without calling its constructor. Fields are defined, not
   * assigned, so a field named `__proto__` stays a field.
   */
  static instantiate<E extends object>(definition: EventDefinition<E>, fields: Record<string, unknown>): E {
    return fromEntries(
      Object.create(definition.target.prototype as object) as E,
      Object.keys(fields).map((key) => [key, fields[key]] as const),
    );
  }
}

/**
 * Drops superjson's `referentialEqualities`, which would make values found twice share one identity again. Events
 * are trees (cycles are refused) and the JSON holds every copy in full, so nothing needs them; and they hurt:
 * superjson tracks NaN and BigInts as objects, so two NaNs (or two equal BigInts) became "the same object", whose
 * paths, restored through a Map, deleted the Map's entry (a NaN key is never `!==`-equal to itself), and, taken
 * before the exact shapes rebuilt an object, pointed nowhere. Dropped on decode too, for jobs written before.
 */
function withoutReferences(meta: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!meta || !('referentialEqualities' in meta)) return meta;
  const { referentialEqualities: _dropped, ...rest } = meta;
  return rest.values === undefined ? undefined : rest;
}

/**
 * Where superjson's annotation tree (`meta.values`) is not of the shape it reads, or undefined when it is. It would
 * recurse on a malformed one without end (a string taken for a node's children), so the check comes first; it walks
 * with a stack of its own, so a deep tree cannot overflow either.
 */
function malformedAnnotation(values: unknown): string | undefined {
  if (values === undefined) return undefined;
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  const pending: [unknown, string][] = isRecord(values)
    ? Object.entries(values).map(([key, node]) => [node, `values.${key}`])
    : [[values, 'values']];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const [tree, path] = node;
    const annotation: unknown = Array.isArray(tree) ? tree[0] : undefined;
    const validAnnotation =
      typeof annotation === 'string' ||
      (Array.isArray(annotation) && annotation.length === 2 && annotation.every((part) => typeof part === 'string'));
    if (!Array.isArray(tree) || tree.length < 1 || tree.length > 2 || !validAnnotation) return path;
    if (tree.length === 2) {
      const children: unknown = tree[1];
      if (!isRecord(children)) return path;
      for (const [key, child] of Object.entries(children)) pending.push([child, `${path}.${key}`]);
    }
  }
  return undefined;
}

function tooLarge(eventName: string, json: JsonValue, bytes: number, limit: number): EventEncodingError {
  const largest = largestField(json);
  return new EventEncodingError(
    eventName,
    largest?.field ?? '(root)',
    largest ? `its largest field is "${largest.field}" (${largest.bytes} bytes)` : 'its fields are too large',
    `Carry a reference (an id, a storage URL) instead of the data, or raise the limit for this event with ` +
      `@BusEvent('${eventName}', { maxPayloadBytes: <bytes> }), or for every event with ` +
      `EventBusModule.forRoot({ maxPayloadBytes: <bytes> }).`,
    { bytes, limit },
  );
}
