import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A test name a page cites that no test file contains. */
export interface MissingTest {
  readonly file: string;
  readonly line: number;
  readonly name: string;
}

/**
 * Every test name a page cites (`› _test name_`, or `; _another test_` after one) must be the start of a test title
 * in `test/` (up to a `…` when the page shortens it). Titles split over string concatenations count as one.
 */
export function missingCitedTests(file: string, text: string, testDir: string): MissingTest[] {
  const titles = testSources(testDir)
    .replace(/['"`]\s*\+\s*['"`]/g, '')
    .replace(/\s+/g, ' ');
  const missing: MissingTest[] = [];
  const flat = text.replace(/`[^`]*`/g, (code) => code.replace(/_/g, ' ')); // underscores in code are not italics
  for (const match of flat.matchAll(/(?<=(?:›|;|,|—)\s+)_([^_]+)_/g)) {
    const name = (match[1] ?? '').replace(/\s+/g, ' ').split('…')[0]?.trim() ?? '';
    if (name && !titles.includes(name)) {
      const line = flat.slice(0, match.index).split('\n').length;
      missing.push({ file, line, name });
    }
  }
  return missing;
}

function testSources(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}
