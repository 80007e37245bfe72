import { ValueType } from './value-type';

/** Why a value cannot be encoded, and where. */
export interface EncodingProblem {
  readonly path: string;
  readonly reason: string;
  readonly hint: string;
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
 * functions, symbols, cycles, instances of classes nobody registered, symbol-keyed properties. `undefined` when
 * the payload is fine.
 */
export function findEncodingProblem(
  root: unknown,
  isRegisteredClass: (ctor: unknown) => boolean,
  valueTypes: readonly ValueType[],
): EncodingProblem | undefined {
  const ancestors = new Set<object>();

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
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const problem = visit(object[i], `${path}[${i}]`);
        if (problem) return problem;
      }
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
    const proto = Object.getPrototypeOf(object) as object | null;
    const ctor = proto === null ? undefined : (proto as { constructor?: { name?: string } }).constructor;
    if (ctor && BUILT_INS.has(ctor)) return undefined;
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
    if (
      Object.getOwnPropertySymbols(object).some((symbol) => Object.prototype.propertyIsEnumerable.call(object, symbol))
    ) {
      return {
        path,
        reason: 'has symbol-keyed properties, which are not serialised',
        hint: 'Use string keys.',
      };
    }
    for (const key of Object.keys(object)) {
      const problem = visit((object as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (problem) return problem;
    }
    return undefined;
  };

  return visit(root, '');
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  return key !== null && typeof key === 'object' ? '<object>' : String(key);
}
