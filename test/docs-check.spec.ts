import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkDocs, DocsCheckResult } from '../tools/docs-check/docs-check';

const ROOT = join(__dirname, '..');
const DIR = join(ROOT, '.tmp', `docs-check-spec-${process.pid}`);
const fence = '```';
/** A test name no test has (built, so that this file does not contain it either). */
const UNWRITTEN = ['a', 'test', 'nobody', 'wrote'].join(' ');

/** Writes a Markdown file under DIR and returns its path relative to the repository root. */
function page(name: string, lines: readonly string[]): string {
  writeFileSync(join(DIR, name), `${lines.join('\n')}\n`);
  return relative(ROOT, join(DIR, name));
}

describe('npm run docs:check', () => {
  let files: Record<string, string>;
  let result: DocsCheckResult;
  const problemsOf = (file: string): string[] => result.problems.filter((problem) => problem.startsWith(`${file}:`));

  beforeAll(() => {
    mkdirSync(DIR, { recursive: true });
    files = {
      good: page('good.md', [
        '# Good',
        '',
        `${fence}ts`,
        "@BusEvent('spec.thing-happened')",
        'export class ThingHappened {',
        '  constructor(readonly id: string) {}',
        '}',
        '',
        '@Injectable()',
        'export class Things {',
        "  @OnEventAsync(ThingHappened, { id: 'spec.things', attempts: 3 })",
        '  async handle(event: ThingHappened, ctx: EventContext): Promise<void> {',
        '    console.log(event.id, ctx.eventId, LIMIT);',
        '  }',
        '}',
        fence,
        '',
        `${fence}ts partial`,
        'this is not TypeScript at all (',
        fence,
        '',
        `${fence}bash`,
        'npm install nestjs-durable-bus',
        fence,
      ]),
      wrongImport: page('wrong-import.md', [
        '# Wrong import',
        '',
        '- a list item',
        '',
        `  ${fence}ts`,
        "  import { EventBusModule, EventBusModuleOptionz } from 'nestjs-durable-bus';",
        `  ${fence}`,
      ]),
      staleOption: page('stale-option.md', [
        `${fence}typescript`,
        '@Module({',
        "  imports: [EventBusModule.forRoot({ connection: process.env.REDIS_URL, queuePrefix: 'shop' })],",
        '})',
        'export class ShopModule {}',
        fence,
      ]),
      standalone: page('standalone.md', [
        `${fence}ts standalone`,
        "import { EventBusModule } from 'nestjs-durable-bus';",
        '',
        '@Module({ imports: [EventBusModule.forRoot({})] })',
        'export class StandaloneModule {}',
        fence,
      ]),
      prose: page('prose.md', [
        'Inline code `broken across',
        'two lines` here.',
        '',
        '| option | |',
        '| ------ | - |',
        '| `a`    | b |',
      ]),
      guarantees: page('guarantees.md', [
        '- Sync handlers — `sync-handlers.spec.ts` › _run inside publish, awaited one by one, by order then discovery',
        '  order_.',
        `- Made up — \`nowhere.spec.ts\` › _${UNWRITTEN}_.`,
      ]),
    };
    result = checkDocs(Object.values(files), join(DIR, 'out'));
  }, 60_000);

  afterAll(() => rmSync(DIR, { recursive: true, force: true }));

  it('compiles a block that uses the prelude and the public entry points, and skips partial and bash blocks', () => {
    expect(problemsOf(files.good!)).toEqual([]);
    expect(result.partial).toBe(1);
    expect(result.compiled).toBe(4);
  });

  it('reports a wrong import at the Markdown file, line and column', () => {
    expect(problemsOf(files.wrongImport!)).toEqual([
      expect.stringMatching(/^\S+wrong-import\.md:6:28 - error TS2\d+: .*EventBusModuleOptionz/),
    ]);
  });

  it('reports a stale option name at its line', () => {
    expect(problemsOf(files.staleOption!)).toEqual([
      expect.stringMatching(/^\S+stale-option\.md:3:73 - error TS2353: .*'queuePrefix' does not exist/),
    ]);
  });

  it('gives a block marked standalone no prelude: what it does not import is unknown', () => {
    expect(problemsOf(files.standalone!)).toEqual([
      expect.stringMatching(/^\S+standalone\.md:4:2 - error TS\d+: Cannot find name 'Module'/),
    ]);
  });

  it('reports inline code broken across lines and a table column without a header', () => {
    expect(problemsOf(files.prose!)).toEqual([
      expect.stringMatching(/prose\.md:1 - inline code is broken across lines/),
      expect.stringMatching(/prose\.md:2 - inline code is broken across lines/),
      expect.stringMatching(/prose\.md:4 - table header has an empty cell/),
    ]);
  });

  it("compiles a block marked continues after the page's previous block, and reports its errors at its own lines", () => {
    const file = page('continues.md', [
      `${fence}ts standalone`,
      'export class Ledger {',
      '  post(amount: number): number {',
      '    return amount;',
      '  }',
      '}',
      fence,
      '',
      `${fence}ts continues`,
      'new Ledger().post(5);',
      "new Ledger().post('five');",
      fence,
    ]);

    const continued = checkDocs([file], join(DIR, 'out-continues'));

    expect(continued.compiled).toBe(2);
    expect(continued.problems).toEqual([expect.stringMatching(/^\S+continues\.md:11:19 - error TS2345: /)]);
  });

  it('reports a test the Guarantees page cites that test/ does not have, and accepts one it has', () => {
    expect(problemsOf(files.guarantees!)).toEqual([
      expect.stringMatching(new RegExp(`guarantees\\.md:3 - cites a test no file in test/ has: "${UNWRITTEN}"`)),
    ]);
  });
});
