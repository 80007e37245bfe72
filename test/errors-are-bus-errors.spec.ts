import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const LIBRARY = join(__dirname, '..', 'libs', 'event-bus');
/** A plain error thrown or rejected with (wrapping a non-Error someone else threw is fine: that is not raised here). */
const PLAIN_ERROR = /\b(?:throw|reject\()\s*new (?:Error|TypeError|RangeError|SyntaxError)\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('errors the library raises', () => {
  it('are EventBusErrors: no source file throws or rejects with a plain Error, TypeError, RangeError or SyntaxError', () => {
    const files = sourceFiles(LIBRARY);
    expect(files.length).toBeGreaterThan(50);

    const plain = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          PLAIN_ERROR.test(line) ? [`${relative(LIBRARY, file)}:${index + 1}: ${line.trim()}`] : [],
        ),
    );

    expect(plain).toEqual([]);
  });
});
