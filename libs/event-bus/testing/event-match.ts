import type { ValueType } from '../src/contracts/value-type';
import { findDifference, ValueDifference } from './value-difference';

/**
 * What an assertion looks for in an event: some of its fields (deep-equal; nested object literals match partially;
 * jest asymmetric matchers such as `expect.any(String)` work), or a predicate.
 */
export type EventMatch<E extends object = object> = { readonly [K in keyof E]?: unknown } | ((event: E) => boolean);

/** Why `event` does not match, or `undefined` when it does. A missing `match` matches every event. */
export function mismatchOf(
  event: object,
  match: EventMatch | undefined,
  valueTypes: readonly ValueType[],
): ValueDifference | undefined {
  if (match === undefined) return undefined;
  if (typeof match === 'function') {
    return match(event)
      ? undefined
      : { path: '', expected: match, received: event, reason: 'predicate returned false' };
  }
  return findDifference(match, event, { valueTypes, partial: true });
}

/** How many of `match`'s fields `event` gets wrong (to rank near misses). */
export function mismatchCount(event: object, match: EventMatch | undefined, valueTypes: readonly ValueType[]): number {
  if (match === undefined || typeof match === 'function') return mismatchOf(event, match, valueTypes) ? 1 : 0;
  const fields: [string, unknown][] = Object.entries(match);
  return fields.filter(([key, value]) => mismatchOf(event, { [key]: value }, valueTypes)).length;
}

/** The fields of `event` that `match` names (what to show next to the expectation in a diff). */
export function pickMatched(event: object, match: EventMatch | undefined): unknown {
  if (match === undefined || typeof match === 'function') return event;
  const fields = event as Record<string, unknown>;
  return Object.fromEntries(Object.keys(match).map((key) => [key, fields[key]]));
}
