import { BackoffOptions } from '../contracts/delivery';

/**
 * Delay before the next try after `attemptsMade` failed tries, computed like BullMQ does, so the in-memory
 * transport retries on the same schedule as production.
 */
export function backoffDelay(policy: BackoffOptions, attemptsMade: number, random: () => number = Math.random): number {
  const base = policy.type === 'fixed' ? policy.delay : Math.round(2 ** Math.max(0, attemptsMade - 1) * policy.delay);
  const jitter = policy.jitter ?? 0;
  return jitter > 0 ? Math.floor(base * (1 - jitter) + random() * base * jitter) : base;
}
