/**
 * `npm run docs:check`: every ```ts / ```typescript block of the Markdown files (README.md, CONTRIBUTING.md,
 * docs/**, the package README) is compiled with the repository's tsconfig against the library's public entry points
 * (`nestjs-durable-bus`, `/testing`, `/dashboard`, … through tsconfig `paths`), each block as a module of its own,
 * after one import of the shared prelude (tools/docs-check/prelude.ts). A block marked ```ts partial is skipped; one
 * marked ```ts standalone gets no prelude (an example meant to be copied whole must import all it uses); one marked
 * ```ts continues is compiled after the page's previous block (a test of the example above it).
 * Errors are reported at the Markdown file and line. Also checked: inline code is not broken across lines, table
 * headers name every column, and the test names the Guarantees page cites exist in test/.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { blockModule, HEADER_LINES, topLevelNames } from './block-module';
import { missingCitedTests } from './cited-tests';
import { CodeBlock, markdownBlocks } from './markdown-blocks';
import { proseProblems } from './markdown-prose';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, '.tmp', 'docs-check');
const PRELUDE = join(__dirname, 'prelude.ts');
const TYPESCRIPT = new Set(['ts', 'typescript']);
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.tmp', 'test-results', 'results']);

/** README.md, CONTRIBUTING.md, CHANGELOG.md, docs/**, libs/**, apps/**: every Markdown file we write. */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [relative(ROOT, path)] : [];
  });
}

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  // A block shows one use of an API: prelude names it does not use are fine, declarations are not emitted.
  return { ...parsed.options, noEmit: true, declaration: false, noUnusedLocals: false, noUnusedParameters: false };
}

function location(block: CodeBlock, moduleLine: number, moduleColumn: number): string {
  return `${block.file}:${block.line + moduleLine - HEADER_LINES}:${moduleColumn + 1 + block.indent}`;
}

/** What {@link checkDocs} found. */
export interface DocsCheckResult {
  /** One line each: `file:line:column - message`. */
  readonly problems: readonly string[];
  readonly compiled: number;
  readonly partial: number;
}

/**
 * Checks Markdown files (paths relative to the repository root): their TypeScript blocks compile, their prose has no
 * broken inline code or nameless table columns, and a Guarantees page cites tests that exist. Block modules are
 * written to `outDir` (emptied first), which must be inside the repository so that packages resolve.
 */
export function checkDocs(files: readonly string[], outDir: string = OUT): DocsCheckResult {
  const texts = new Map(files.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')] as const));
  const blocks = [...texts].flatMap(([file, text]) => markdownBlocks(file, text));
  const compiled = blocks.filter((block) => TYPESCRIPT.has(block.lang) && !block.flags.includes('partial'));
  const partial = blocks.filter((block) => TYPESCRIPT.has(block.lang) && block.flags.includes('partial'));

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const preludeNames = topLevelNames(PRELUDE, readFileSync(PRELUDE, 'utf8'));
  const byModule = new Map<string, { block: CodeBlock; before: number }>();
  // A block marked `continues` is compiled after the page's previous block (a test of the example above it).
  let previous: { block: CodeBlock; code: string; standalone: boolean } | undefined;
  for (const block of compiled) {
    const path = join(outDir, `${block.file.replace(/[/\\.]/g, '_')}_L${block.line}.ts`);
    const specifier = relative(dirname(path), PRELUDE).replace(/\\/g, '/').replace(/\.ts$/, '');
    const after = block.flags.includes('continues') && previous?.block.file === block.file ? previous : undefined;
    const code = after ? `${after.code}\n${block.code}` : block.code;
    const standalone = after ? after.standalone : block.flags.includes('standalone');
    writeFileSync(path, blockModule(code, standalone ? new Set<string>() : preludeNames, specifier));
    byModule.set(path, { block, before: after ? after.code.split('\n').length : 0 });
    previous = { block, code, standalone };
  }

  const program = ts.createProgram([...byModule.keys()], compilerOptions());
  const problems: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const source = diagnostic.file;
    if (!source || diagnostic.start === undefined) {
      problems.push(`error TS${diagnostic.code}: ${message}`);
      continue;
    }
    const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start);
    const module = byModule.get(source.fileName);
    // An error in the part a `continues` block repeats is reported by that part's own module.
    if (module && line - HEADER_LINES < module.before) continue;
    const where = module
      ? location(module.block, line - module.before, character)
      : `${relative(ROOT, source.fileName)}:${line + 1}:${character + 1}`;
    problems.push(`${where} - error TS${diagnostic.code}: ${message}`);
  }
  for (const [file, text] of texts) {
    for (const problem of proseProblems(file, text)) {
      problems.push(`${problem.file}:${problem.line} - ${problem.message}`);
    }
  }
  for (const [file, text] of [...texts].filter(([name]) => name.endsWith('guarantees.md'))) {
    for (const miss of missingCitedTests(file, text, join(ROOT, 'test'))) {
      problems.push(`${miss.file}:${miss.line} - cites a test no file in test/ has: "${miss.name}"`);
    }
  }

  return { problems, compiled: compiled.length, partial: partial.length };
}

function main(): number {
  const files = markdownFiles(ROOT);
  const { problems, compiled, partial } = checkDocs(files);
  for (const problem of problems) console.error(problem);
  console.log(
    `docs:check: ${compiled} TypeScript blocks compiled (${partial} marked partial, skipped) in ${files.length} ` +
      `Markdown files; ${problems.length} problem(s).`,
  );
  return problems.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
