import { performance } from 'node:perf_hooks';

/** One side of a comparison: takes one sample per call (a rate, or a size), fresh setup inside when it needs one. */
export interface Contender {
  readonly label: string;
  sample(): Promise<number>;
}

/** The samples each contender took, in contender order. */
export type Samples = number[][];

/**
 * Runs the contenders interleaved (A, B, C, A, B, C, …) for `rounds` rounds, after `warmup` discarded rounds, so
 * that drift (JIT, GC, Redis memory, CPU frequency) hits every contender alike.
 */
export async function interleave(contenders: readonly Contender[], rounds: number, warmup = 1): Promise<Samples> {
  const samples: Samples = contenders.map(() => []);
  for (let round = -warmup; round < rounds; round++) {
    for (const [index, contender] of contenders.entries()) {
      const value = await contender.sample();
      if (round >= 0) samples[index]!.push(value);
    }
  }
  return samples;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Items per second of `run`, which handles `items` items. */
export async function rate(items: number, run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return items / ((performance.now() - start) / 1000);
}

/** Runs `work(i)` for i in [0, count) from `callers` concurrent callers, each awaiting its own calls one by one. */
export async function fromCallers(
  count: number,
  callers: number,
  work: (i: number) => Promise<unknown>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = caller; i < count; i += callers) await work(i);
    }),
  );
}

/** `done` resolves once `tick` has counted `target` items (one per call unless told how many). */
export function countdown(target: number): { tick(items?: number): void; done: Promise<void> } {
  let seen = 0;
  let resolve: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    tick: (items = 1) => {
      seen += items;
      if (seen >= target) resolve();
    },
    done,
  };
}
