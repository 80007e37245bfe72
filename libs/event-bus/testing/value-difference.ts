import { inspect } from 'node:util';
import type { ValueType } from '../src/contracts/value-type';

/** Where two values first differ, and how. */
export interface ValueDifference {
  /** Field path from the root, e.g. `lines[0].price` (empty for the root itself). */
  readonly path: string;
  readonly expected: unknown;
  readonly received: unknown;
  /** What differs: `expected Decimal, received string`, `value differs`, `missing`, … */
  readonly reason: string;
}

/** How {@link findDifference} compares. */
export interface DifferenceOptions {
  /** Value types compared through their `serialize` (their state is often private). */
  readonly valueTypes?: readonly ValueType[];
  /**
   * Plain object literals on the expected side match any object having (at least) their keys with matching values,
   * whatever its class: `{ customer: { id: 'c-7' } }` matches a `Customer` instance. Asymmetric matchers
   * (`expect.any(String)`) are honoured. Default false (exact, classes included).
   */
  readonly partial?: boolean;
}

interface AsymmetricMatcher {
  asymmetricMatch(other: unknown): boolean;
}

/**
 * Finds the first place where `received` is not deep-equal to `expected`: same classes, Dates, Maps, Sets, BigInts,
 * `undefined` fields, value types; and for class instances, the same values from the prototype's getters (a getter
 * whose state did not survive a round trip shows up here). Returns `undefined` when they are equal.
 */
export function findDifference(
  expected: unknown,
  received: unknown,
  options: DifferenceOptions = {},
): ValueDifference | undefined {
  return compare(expected, received, '', options, new Set());
}

/** A value for messages: classes named, strings quoted, nested values cut at depth 3. */
export function show(value: unknown): string {
  return inspect(value, { depth: 3, breakLength: Infinity, compact: true });
}

function compare(
  expected: unknown,
  received: unknown,
  path: string,
  options: DifferenceOptions,
  seen: Set<unknown>,
): ValueDifference | undefined {
  if (Object.is(expected, received)) return undefined;
  const differ = (reason: string): ValueDifference => ({ path, expected, received, reason });
  if (options.partial && isAsymmetricMatcher(expected)) {
    return expected.asymmetricMatch(received) ? undefined : differ('does not match');
  }
  if (options.partial && isObject(expected) && isPlainObject(expected) && isObject(received)) {
    if (seen.has(expected)) return undefined;
    seen.add(expected);
    try {
      return compareKeys(expected, received, Object.keys(expected), path, options, seen);
    } finally {
      seen.delete(expected);
    }
  }
  if (typeOf(expected) !== typeOf(received))
    return differ(`expected ${typeOf(expected)}, received ${typeOf(received)}`);
  if (expected === null || typeof expected !== 'object' || received === null || typeof received !== 'object') {
    return differ('value differs');
  }
  const valueType = options.valueTypes?.find((type) => type.isApplicable(expected));
  if (valueType) {
    return JSON.stringify(valueType.serialize(expected)) === JSON.stringify(valueType.serialize(received))
      ? undefined
      : differ('value differs');
  }
  if (seen.has(expected)) return undefined;
  seen.add(expected);
  try {
    return compareObjects(expected, received, path, options, seen, differ);
  } finally {
    seen.delete(expected);
  }
}

function compareObjects(
  expected: object,
  received: object,
  path: string,
  options: DifferenceOptions,
  seen: Set<unknown>,
  differ: (reason: string) => ValueDifference,
): ValueDifference | undefined {
  if (expected instanceof Date || received instanceof Date) {
    const same = (expected as Date).getTime?.() ?? NaN;
    const other = (received as Date).getTime?.() ?? NaN;
    return Object.is(same, other) ? undefined : differ('value differs');
  }
  if (expected instanceof RegExp || expected instanceof URL) {
    const same = (received instanceof RegExp || received instanceof URL) && String(expected) === String(received);
    return same ? undefined : differ('value differs');
  }
  if (Array.isArray(expected) || ArrayBuffer.isView(expected)) {
    const left = Array.from(expected as ArrayLike<unknown>);
    const right = Array.from(received as ArrayLike<unknown>);
    if (left.length !== right.length) return differ(`length ${left.length} expected, received ${right.length}`);
    return firstOf(left, (item, i) => compare(item, right[i], `${path}[${i}]`, options, seen));
  }
  if (expected instanceof Map && received instanceof Map) {
    if (expected.size !== received.size) return differ(`size ${expected.size} expected, received ${received.size}`);
    const keys: unknown[] = [...expected.keys()];
    const missing = keys.find((key) => !received.has(key));
    if (missing !== undefined) return { path: `${path}.get(${show(missing)})`, expected, received, reason: 'missing' };
    return firstOf(keys, (key) =>
      compare(expected.get(key), received.get(key), `${path}.get(${show(key)})`, options, seen),
    );
  }
  if (expected instanceof Set && received instanceof Set) {
    if (expected.size !== received.size) return differ(`size ${expected.size} expected, received ${received.size}`);
    const right = [...received];
    return firstOf([...expected], (item, i) =>
      received.has(item) ? undefined : compare(item, right[i], `${path}[${i}]`, options, seen),
    );
  }
  if (Object.getPrototypeOf(expected) !== Object.getPrototypeOf(received)) {
    return differ(`expected ${typeOf(expected)}, received ${typeOf(received)}`);
  }
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(received)])];
  return (
    compareKeys(expected, received, keys, path, options, seen) ??
    compareGetters(expected, received, path, options, seen)
  );
}

function compareKeys(
  expected: object,
  received: object,
  keys: readonly string[],
  path: string,
  options: DifferenceOptions,
  seen: Set<unknown>,
): ValueDifference | undefined {
  const left = expected as Record<string, unknown>;
  const right = received as Record<string, unknown>;
  return firstOf(keys, (key) => {
    const at = join(path, key);
    if (!(key in right)) return { path: at, expected: left[key], received: undefined, reason: 'missing' };
    if (!(key in left)) return { path: at, expected: undefined, received: right[key], reason: 'unexpected field' };
    return compare(left[key], right[key], at, options, seen);
  });
}

/** Getters of a class instance (not own fields) must agree too: they are what handler code reads. */
function compareGetters(
  expected: object,
  received: object,
  path: string,
  options: DifferenceOptions,
  seen: Set<unknown>,
): ValueDifference | undefined {
  for (let proto = Object.getPrototypeOf(expected) as object | null; proto && proto !== Object.prototype;) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (!descriptor.get || key === '__proto__') continue;
      const left = read(expected, key);
      if ('error' in left) continue;
      const right = read(received, key);
      const at = join(path, key);
      if ('error' in right) {
        return { path: at, expected: left.value, received: right.error, reason: `getter throws: ${right.error}` };
      }
      const difference = compare(left.value, right.value, at, options, seen);
      if (difference) return difference;
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return undefined;
}

function read(target: object, key: string): { value: unknown } | { error: string } {
  try {
    return { value: (target as Record<string, unknown>)[key] };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function firstOf<T>(items: readonly T[], check: (item: T, index: number) => ValueDifference | undefined) {
  for (let i = 0; i < items.length; i++) {
    const difference = check(items[i] as T, i);
    if (difference) return difference;
  }
  return undefined;
}

function join(path: string, key: string): string {
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (!path) return part.startsWith('"') ? `[${part}]` : part;
  return part.startsWith('"') ? `${path}[${part}]` : `${path}.${part}`;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (typeof value !== 'object') return typeof value;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return proto?.constructor?.name || 'Object';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isAsymmetricMatcher(value: unknown): value is AsymmetricMatcher {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsymmetricMatcher>).asymmetricMatch === 'function'
  );
}
