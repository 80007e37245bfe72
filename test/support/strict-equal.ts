import { Decimal } from '../fixtures/decimal';

/**
 * The first difference between two values, as a path and a reason, or `undefined` when they are the same tree:
 * stricter than Jest's `toStrictEqual` where the codec could cheat. Primitives by `Object.is` (`-0` is not `0`,
 * `NaN` is `NaN`), the same prototype everywhere (classes, null-prototype objects), own enumerable keys in the same
 * order, holes as holes (not `undefined`), invalid Dates as invalid Dates, Map entries and Set values in insertion
 * order, Decimals by value. Values must be trees (no cycles).
 */
export function strictDifference(actual: unknown, expected: unknown, path = '(root)'): string | undefined {
  if (typeof actual !== typeof expected) return `${path}: ${typeof actual} is not ${typeof expected}`;
  if (actual === null || expected === null || typeof actual !== 'object') {
    return Object.is(actual, expected) ? undefined : `${path}: ${show(actual)} is not ${show(expected)}`;
  }
  const a = actual;
  const b = expected as object;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return `${path}: prototype ${protoName(a)} is not ${protoName(b)}`;
  }
  if (a instanceof Decimal) {
    const other = b as Decimal;
    return a.equals(other) ? undefined : `${path}: ${a.toString()} is not ${other.toString()}`;
  }
  if (a instanceof Date) {
    const [x, y] = [a.getTime(), (b as Date).getTime()];
    return Object.is(x, y) ? undefined : `${path}: Date ${x} is not ${y}`;
  }
  if (a instanceof RegExp || a instanceof URL) {
    const [x, y] = [a.toString(), (b as RegExp | URL).toString()];
    return x === y ? undefined : `${path}: ${x} is not ${y}`;
  }
  if (a instanceof Map || a instanceof Set) {
    const x = [...(a as Map<unknown, unknown>).entries()];
    const y = [...(b as Map<unknown, unknown>).entries()];
    if (x.length !== y.length) return `${path}: size ${x.length} is not ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      const difference =
        strictDifference(x[i]![0], y[i]![0], `${path}.<key ${i}>`) ??
        strictDifference(x[i]![1], y[i]![1], `${path}.<value ${i}>`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) {
    return `${path}: length ${a.length} is not ${(b as unknown[]).length}`;
  }
  const keysA = ownEnumerableKeys(a);
  const keysB = ownEnumerableKeys(b);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) {
    return `${path}: keys [${keysA.map(show).join(', ')}] are not [${keysB.map(show).join(', ')}]`;
  }
  for (const key of keysA) {
    const x = Object.getOwnPropertyDescriptor(a, key)!;
    const y = Object.getOwnPropertyDescriptor(b, key)!;
    const difference = strictDifference(x.value, y.value, `${path}.${String(key)}`);
    if (difference) return difference;
  }
  return undefined;
}

function ownEnumerableKeys(object: object): (string | symbol)[] {
  return Reflect.ownKeys(object).filter((key) => Object.prototype.propertyIsEnumerable.call(object, key));
}

function protoName(object: object): string {
  const proto = Object.getPrototypeOf(object) as { constructor?: { name?: string } } | null;
  return proto === null ? 'null' : (proto.constructor?.name ?? '?');
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return typeof value === 'symbol' ? value.toString() : String(value);
}
