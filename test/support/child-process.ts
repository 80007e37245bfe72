import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { deferred, within } from './deferred';

const ROOT = join(__dirname, '..', '..');

/** A TypeScript entry point run as a separate Node process (SWC on the fly), with its output captured. */
export interface Child {
  readonly process: ChildProcess;
  readonly output: () => string;
  /** Resolves when stdout has printed `text` (bounded). */
  printed(text: string, ms?: number): Promise<void>;
  /** Resolves with the exit code (bounded). */
  exited(ms?: number): Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<Child>();

export function runTs(entry: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  const exit = deferred<number | null>();
  child.on('exit', (code) => {
    running.delete(handle);
    exit.resolve(code);
  });
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const watcher of watchers.filter((w) => output.includes(w.text))) watcher.resolve();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const handle: Child = {
    process: child,
    output: () => output,
    printed: (text, ms = 30_000) => {
      if (output.includes(text)) return Promise.resolve();
      const seen = deferred();
      watchers.push({ text, resolve: () => seen.resolve() });
      return within(seen.promise, ms, `"${text}" from ${entry}; output so far:\n${output}`);
    },
    exited: (ms = 30_000) => within(exit.promise, ms, `${entry} to exit; output so far:\n${output}`),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return within(exit.promise, 30_000, `${entry} to stop; output:\n${output}`);
    },
  };
  running.add(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all([...running].map((child) => child.stop('SIGKILL')));
});
