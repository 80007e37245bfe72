import { EventBusConfigError } from '../errors';
import type { BackoffOptions } from './delivery';

/** Turns a backoff option into a policy, checking it. A bare number means a fixed delay of that many ms. */
export function normalizeBackoff(option: string, backoff: number | BackoffOptions): BackoffOptions {
  if (typeof backoff === 'number') {
    assertNonNegativeInteger(option, backoff);
    return { type: 'fixed', delay: backoff };
  }
  if (backoff === null || typeof backoff !== 'object' || !['fixed', 'exponential'].includes(backoff.type)) {
    fail(option, backoff, `milliseconds, or { type: 'fixed' | 'exponential', delay: ms, jitter?: 0..1 }`);
  }
  assertNonNegativeInteger(`${option}.delay`, backoff.delay);
  if (backoff.jitter !== undefined && !(backoff.jitter >= 0 && backoff.jitter <= 1)) {
    fail(`${option}.jitter`, backoff.jitter, 'a number from 0 to 1');
  }
  return backoff;
}

/** Lane counts are 1..1024 (each lane is a queue and a worker per consuming process). */
export function assertLaneCount(option: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > 1024) {
    fail(option, value, 'an integer from 1 to 1024');
  }
}

export function assertPositiveInteger(option: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1) fail(option, value, 'a positive integer');
}

export function assertNonNegativeInteger(option: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(option, value, 'an integer ≥ 0');
}

/** Throws the `EventBusConfigError` every option check throws: the option, what it got, what it expects. */
export function fail(option: string, received: unknown, expected: string): never {
  const shown = typeof received === 'object' && received !== null ? JSON.stringify(received) : String(received);
  throw new EventBusConfigError(`EventBus option "${option}" is invalid: expected ${expected}, received ${shown}.`);
}
