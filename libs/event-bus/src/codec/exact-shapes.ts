/**
 * Shapes superjson alone would change or refuse, carried exactly by custom transformers of its own (registered by
 * {@link EventCodec} after the app's value types):
 *
 * - an invalid Date (`new Date(NaN)`), which superjson writes as `null`;
 * - an array with holes (`new Array(2)`, `[, 1]`), whose holes superjson drops or turns into `null`;
 * - a plain object with a `constructor`, `prototype` or `__proto__` own key, which superjson refuses ("prototype
 *   pollution risk"), and an object with a `null` prototype, which superjson turns into a plain object.
 *
 * Objects and arrays become lists of entries that superjson walks as usual, so what they hold keeps its types; the
 * decoder defines each entry as an own property (never assigns it), so a `__proto__` key stays data and cannot
 * replace a prototype. Payloads without these shapes encode exactly as before: the wire format only grows.
 */
export interface ExactShape {
  readonly name: string;
  isApplicable(value: unknown): boolean;
  /** Returns data superjson walks further (so not JSON yet: it may hold Dates, Maps and so on). */
  serialize(value: never): unknown;
  deserialize(json: never): unknown;
}

/** Own keys superjson refuses in an object it walks (and in any path it decodes). */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Names of the shapes, in jobs; a value type may not use them. */
export const EXACT_SHAPE_NAMES = {
  invalidDate: 'bus:invalid-date',
  sparseArray: 'bus:sparse-array',
  keyedObject: 'bus:object',
  nullPrototypeObject: 'bus:null-prototype-object',
} as const;

type Entries = [string, unknown][];

export const EXACT_SHAPES: readonly ExactShape[] = [
  {
    name: EXACT_SHAPE_NAMES.invalidDate,
    isApplicable: (value) => value instanceof Date && Number.isNaN(value.getTime()),
    serialize: () => 'Invalid Date',
    deserialize: () => new Date(NaN),
  },
  {
    name: EXACT_SHAPE_NAMES.sparseArray,
    isApplicable: (value) => Array.isArray(value) && hasHoles(value),
    serialize: (array: unknown[]) => ({
      length: array.length,
      items: Object.keys(array).map((index) => [Number(index), array[Number(index)]]),
    }),
    deserialize: ({ length, items }: { length: number; items: [number, unknown][] }) => {
      const array = new Array<unknown>(length);
      for (const [index, item] of items) array[index] = item;
      return array;
    },
  },
  {
    name: EXACT_SHAPE_NAMES.keyedObject,
    isApplicable: (value) => isObjectWithPrototype(value, Object.prototype) && reservedKeyOf(value) !== undefined,
    serialize: (object: Record<string, unknown>) => entriesOf(object),
    deserialize: (entries: Entries) => fromEntries({}, entries),
  },
  {
    name: EXACT_SHAPE_NAMES.nullPrototypeObject,
    isApplicable: (value) => isObjectWithPrototype(value, null),
    serialize: (object: Record<string, unknown>) => entriesOf(object),
    deserialize: (entries: Entries) => fromEntries(Object.create(null) as object, entries),
  },
];

/** The first own key of an object that superjson refuses, if any. */
export function reservedKeyOf(object: object): string | undefined {
  return RESERVED_KEYS.find((key) => Object.prototype.hasOwnProperty.call(object, key));
}

function hasHoles(array: readonly unknown[]): boolean {
  for (let i = 0; i < array.length; i++) if (!(i in array)) return true;
  return false;
}

function isObjectWithPrototype(value: unknown, proto: object | null): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === proto;
}

function entriesOf(object: Record<string, unknown>): Entries {
  return Object.keys(object).map((key) => [key, object[key]]);
}

/** Defines each entry as an own, enumerable data property: never a `[[Set]]`, so `__proto__` stays a key. */
export function fromEntries<T extends object>(target: T, entries: Iterable<readonly [string, unknown]>): T {
  for (const [key, value] of entries) {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return target;
}
