import { readFileSync } from 'node:fs';

/** The 1-based line of `file` containing `marker` (to check reported source locations without hard-coding them). */
export function lineOf(file: string, marker: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`marker "${marker}" not found in ${file}`);
  return index + 1;
}
