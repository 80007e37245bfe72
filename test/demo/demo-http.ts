import { poll } from '../support/deferred';

/** The demo's HTTP API, as a test talks to it. */
export interface DemoHttp {
  readonly base: string;
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  get<T = Record<string, unknown>[]>(path: string): Promise<T>;
  /** Re-reads `path` (every 50 ms, at most 15 s) until `done` holds. */
  until<T = Record<string, unknown>[]>(path: string, done: (body: T) => boolean, what: string): Promise<T>;
}

/** A client of the demo's HTTP API at `base` (e.g. `http://127.0.0.1:3000`). */
export function demoHttp(base: string): DemoHttp {
  const get = async <T>(path: string) => (await (await fetch(`${base}${path}`)).json()) as T;
  return {
    base,
    get,
    post: async <T>(path: string, body: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    },
    until: <T>(path: string, done: (body: T) => boolean, what: string) =>
      poll(() => get<T>(path), done, `${what} (${path})`, { ms: 15_000, intervalMs: 50 }),
  };
}
