import { reservedKeyOf } from './exact-shapes';
import { ValueType } from '../contracts/value-type';

/** Why a value cannot be encoded, and where. */
export interface EncodingProblem {
  readonly path: string;
  readonly reason: string;
  readonly hint: string;
}

/** What {@link inspectPayload} found. */
export interface PayloadInspection {
  /** The first field that would not come back deep-equal, if any. */
  readonly problem: EncodingProblem | undefined;
  /** Whether the payload holds a shape only the exact shapes carry (`exact-shapes.ts`). */
  readonly exactShapes: boolean;
}

/** Built-in types the codec carries with full fidelity (by exact constructor). */
const BUILT_INS = new Set<unknown>([
  Date,
  RegExp,
  URL,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
]);

/**
 * Walks a payload the way the codec will and returns the first field that would not come back deep-equal:
 * functions, symbols, cycles, instances of classes nobody registered (subclasses of Array, Map, Set included),
 * symbol-keyed properties, named properties on an array, a `constructor`/`prototype`/`__proto__` own property on a
 * class instance; and whether it needs the exact shapes.
 */
export function inspectPayload(
  root: unknown,
  isRegisteredClass: (ctor: unknown) => boolean,
  valueTypes: readonly ValueType[],
): PayloadInspection {
  const ancestors = new Set<object>();
  let exactShapes = false;

  const visit = (value: unknown, path: string): EncodingProblem | undefined => {
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint':
      case 'undefined':
        return undefined;
      case 'symbol':
        return {
          path,
          reason: 'is a symbol, which has no serialised form',
          hint: 'Use a string constant instead.',
        };
      case 'function':
        return {
          path,
          reason: `is a function (${(value as { name?: string }).name || 'anonymous'}), which cannot be serialised`,
          hint: 'Events carry data only; move behaviour to the handler or a method on the class.',
        };
    }
    if (value === null) return undefined;
    const object = value as object;
    for (const type of valueTypes) if (type.isApplicable(object)) return undefined;
    if (ancestors.has(object)) {
      return {
        path,
        reason: 'refers back to one of its own ancestors (a cycle)',
        hint: 'Events must be trees: replace the back-reference with an id.',
      };
    }
    ancestors.add(object);
    try {
      return visitObject(object, path);
    } finally {
      ancestors.delete(object);
    }
  };

  const visitObject = (object: object, path: string): EncodingProblem | undefined => {
    const proto = Object.getPrototypeOf(object) as object | null;
    const ctor = proto === null ? undefined : (proto as { constructor?: { name?: string } }).constructor;
    const subclass = subclassProblem(object, proto, ctor, path);
    if (subclass) return subclass;
    if (Array.isArray(object)) {
      // Index keys come first, in order, then named ones: a named key, if any, is last. Walking the keys, not the
      // length, keeps a huge sparse array cheap.
      const keys = Object.keys(object);
      const last = keys[keys.length - 1];
      if (last !== undefined && !isIndex(last)) {
        return {
          path: `${path}.${keys.find((key) => !isIndex(key))!}`,
          reason: 'is a named property of an array, which the codec does not carry (only the items are)',
          hint: 'Use an object with the array and the property as fields.',
        };
      }
      for (const key of keys) {
        const problem = visit((object as unknown[])[Number(key)], `${path}[${key}]`);
        if (problem) return problem;
      }
      // A hole is carried as a hole (exact-shapes.ts), not as undefined.
      if (keys.length < object.length) exactShapes = true;
      return undefined;
    }
    if (object instanceof Map) {
      let i = 0;
      for (const [key, entry] of object) {
        const problem = visit(key, `${path}.<key ${i}>`) ?? visit(entry, `${path}.get(${describeKey(key)})`);
        if (problem) return problem;
        i++;
      }
      return undefined;
    }
    if (object instanceof Set) {
      let i = 0;
      for (const entry of object) {
        const problem = visit(entry, `${path}.<entry ${i++}>`);
        if (problem) return problem;
      }
      return undefined;
    }
    if (ctor && BUILT_INS.has(ctor)) {
      if (object instanceof Date && Number.isNaN(object.getTime())) exactShapes = true;
      return undefined;
    }
    if (object instanceof Error) {
      return {
        path,
        reason: `is an ${ctor?.name ?? 'Error'}, which would come back without its class and stack`,
        hint: 'Put the message (and a code) in string fields.',
      };
    }
    if (proto !== null && proto !== Object.prototype && !(ctor && isRegisteredClass(ctor))) {
      return {
        path,
        reason: `is an instance of ${ctor?.name || 'an anonymous class'}, which the codec does not know, so it would arrive as a plain object`,
        hint:
          `Decorate the class with @BusType('<name>') or register a value type for it in ` +
          `EventBusModule.forRoot({ valueTypes }).`,
      };
    }
    // A registered class instance: superjson assigns its fields back, so these keys cannot be carried safely. The
    // event itself (the root) is encoded as a plain object and rebuilt by defining its fields, so it may have them.
    const reserved = path !== '' && proto !== null && proto !== Object.prototype ? reservedKeyOf(object) : undefined;
    if (reserved) {
      return {
        path: `${path}.${reserved}`,
        reason: `is an own "${reserved}" property of a ${ctor?.name ?? 'class'} instance, which the codec cannot restore safely`,
        hint: `Rename the field, or carry the data in a plain object field (plain objects may have such keys).`,
      };
    }
    if (
      Object.getOwnPropertySymbols(object).some((symbol) => Object.prototype.propertyIsEnumerable.call(object, symbol))
    ) {
      return {
        path,
        reason: 'has symbol-keyed properties, which are not serialised',
        hint: 'Use string keys.',
      };
    }
    // The root too: it is encoded as a plain object.
    if (proto === null || ((proto === Object.prototype || path === '') && reservedKeyOf(object) !== undefined)) {
      exactShapes = true;
    }
    for (const key of Object.keys(object)) {
      const problem = visit((object as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (problem) return problem;
    }
    return undefined;
  };

  const problem = visit(root, '');
  return { problem, exactShapes };
}

/** An array, Map or Set of a subclass would arrive as the base class. */
function subclassProblem(
  object: object,
  proto: object | null,
  ctor: { name?: string } | undefined,
  path: string,
): EncodingProblem | undefined {
  const base = Array.isArray(object) ? Array : object instanceof Map ? Map : object instanceof Set ? Set : undefined;
  if (base === undefined || proto === base.prototype) return undefined;
  return {
    path,
    reason: `is an instance of ${ctor?.name || 'a subclass'} (a subclass of ${base.name}), which would arrive as a plain ${base.name}`,
    hint: `Use a plain ${base.name}, or a registered class (@BusType) with the ${base.name} as a field.`,
  };
}

function isIndex(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key);
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  return key !== null && typeof key === 'object' ? '<object>' : String(key);
}
