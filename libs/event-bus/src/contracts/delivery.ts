/** How jobs are tried, kept and given up on: the terms the handlers, the options and the transport share. */

/** Retry delay policy of an async handler: a fixed delay, or one that doubles with every attempt. */
export interface BackoffOptions {
  readonly type: 'fixed' | 'exponential';
  /** Milliseconds: the delay (fixed) or the first delay (exponential: delay × 2^(attempt-1)). */
  readonly delay: number;
  /** 0..1: the fraction of each delay that is randomised, to spread retry storms. Default 0. */
  readonly jitter?: number;
}

/** See {@link OnEventAsyncOptions.onExhausted}. */
export type ExhaustedPolicy = 'dead-letter' | 'park';

/**
 * How long finished jobs are kept: `true` removes at once, `false` keeps forever, a number keeps that many, or
 * `{ count }` / `{ age (s), count?, limit? }` (BullMQ's KeepJobs).
 */
export type JobRetention =
  | boolean
  | number
  | { readonly count: number }
  | { readonly age: number; readonly count?: number; readonly limit?: number };
