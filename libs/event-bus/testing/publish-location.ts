import { relative, resolve, sep } from 'node:path';

/** The package root (source: `libs/event-bus`; built: `dist`): frames under it are the library's, not the caller's. */
const LIBRARY_ROOT = resolve(__dirname, '..') + sep;
const FOREIGN = [`${sep}node_modules${sep}`, 'node:internal', '(node:', '(internal/', '<anonymous>'];
const DEPTH = 40;

/** The caller's stack frames at this point, innermost first, without the library's own frames and node internals. */
export function captureUserFrames(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = DEPTH;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at ') && !isForeign(line));
}

/** `path:line:column` of a frame, relative to the working directory when under it. */
export function locationOfFrame(frame: string): string | undefined {
  const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(frame);
  if (!match) return undefined;
  const [, file = '', line, column] = match;
  const path = file.startsWith('file://') ? file.slice('file://'.length) : file;
  const shown = path.startsWith(process.cwd() + sep) ? relative(process.cwd(), path) : path;
  return `${shown}:${line}:${column}`;
}

function isForeign(frame: string): boolean {
  const location = /\(?((?:file:\/\/)?[^\s()]+):\d+:\d+\)?$/.exec(frame)?.[1] ?? '';
  const path = location.startsWith('file://') ? location.slice('file://'.length) : location;
  if (!path) return true;
  return path.startsWith(LIBRARY_ROOT) || FOREIGN.some((marker) => frame.includes(marker));
}
