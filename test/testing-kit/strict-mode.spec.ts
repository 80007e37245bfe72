import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { deferred, within } from '../support/deferred';
import { lineOf } from './source-line';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'strict-unasserted.fixture.ts');

/** Runs the fixture test file in its own jest process (same transform, no Redis needed). */
async function runFixture(): Promise<{ code: number | null; output: string }> {
  // The main config (CommonJS), so the fixture runs with the same transform.
  const base = createRequire(__filename)(join(ROOT, 'jest.config.js')) as Record<string, unknown>;
  const config = {
    ...base,
    rootDir: ROOT,
    roots: ['<rootDir>/test/testing-kit/fixtures'],
    testMatch: ['**/*.fixture.ts'],
    globalSetup: undefined,
    globalTeardown: undefined,
  };
  const child = spawn(
    process.execPath,
    [
      createRequire(__filename).resolve('jest/bin/jest'),
      '--config',
      JSON.stringify(config),
      '--ci',
      '--colors=false',
      FIXTURE,
    ],
    { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = deferred<number | null>();
  child.on('exit', (code) => exited.resolve(code));
  try {
    const code = await within(exited.promise, 60_000, 'the fixture jest run to finish');
    return { code, output };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('testing kit strict mode in a real jest run', () => {
  it('fails the test that leaves an event unasserted, naming the event, its fields and the line that published it', async () => {
    const { code, output } = await runFixture();

    expect(code).toBe(1);
    expect(output).toContain('Tests:       2 failed, 1 passed, 3 total');
    expect(output).toContain('✓ fixture: asserts everything it publishes');
    expect(output).toContain('✕ fixture: leaves an event unasserted in strict mode');
    const publishLine = lineOf(FIXTURE, '// fixture: unasserted publish');
    expect(output).toContain(
      '1 event(s) published in strict mode were not asserted:\n' +
        "      1. kit.invoice-issued (InvoiceIssued) { orderId: 'inv-7', amount: 42 }\n" +
        `         published at test/testing-kit/fixtures/strict-unasserted.fixture.ts:${publishLine}:`,
    );
    // The asserted event of the same test is not listed.
    expect(output).not.toContain("orderId: 'o-asserted'");
    // An event published from a timer is the test's too, located at the timer's publish call.
    expect(output).toContain('✕ fixture: publishes unasserted from a timer');
    expect(output).toContain(
      `published at test/testing-kit/fixtures/strict-unasserted.fixture.ts:${lineOf(FIXTURE, '// fixture: timer publish')}:`,
    );
  });
});
