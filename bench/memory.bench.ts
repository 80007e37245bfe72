/**
 * Scenario 6: memory. RSS after 1,000,000 events on the in-memory transport (one async handler) vs after 10,000,
 * each run in a fresh child process with GC forced before reading (see memory-child.ts). A leak per event shows as
 * a ratio well above 1.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Contender, interleave, median } from './support/measure';
import { Scenario } from './support/scenario';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

async function rssAfter(events: number, heaps: number[]): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '-r', '@swc-node/register', join(__dirname, 'memory-child.ts'), String(events)],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  const { rss, heapUsed } = JSON.parse(stdout.trim().split('\n').pop()!) as { rss: number; heapUsed: number };
  heaps.push(heapUsed / (1 << 20));
  return rss / (1 << 20);
}

export const memory: Scenario = async ({ quick, rounds }) => {
  // The quick run (under 2 minutes in all) takes a quarter: a leak of a few bytes per event still shows at 250k.
  const large = quick ? 250_000 : 1_000_000;
  const small = 10_000;
  const heaps: [number[], number[]] = [[], []];
  const contenders: Contender[] = [
    { label: `${large} events`, sample: () => rssAfter(large, heaps[0]) },
    { label: `${small} events`, sample: () => rssAfter(small, heaps[1]) },
  ];
  // Fresh processes need no warm-up round; the quick run takes one sample of each.
  const samples = await interleave(contenders, quick ? 1 : Math.min(rounds, 3), 0);
  return [
    {
      id: '6',
      scenario: `memory: RSS after ${large === 1_000_000 ? '1M' : `${large / 1000}k`} in-memory events vs after 10k`,
      ours: `${large.toLocaleString('en-US')} events`,
      peer: '10,000 events',
      unit: 'MiB',
      samples,
      goal: { op: '<=', value: 1.2 },
      note:
        'fresh child process per sample, one async handler on the in-memory transport, GC forced before reading RSS; ' +
        `V8 heap used after GC: ${median(heaps[0]).toFixed(1)} MiB vs ${median(heaps[1]).toFixed(1)} MiB`,
    },
  ];
};
