import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An Express-style middleware: what the dashboard's `auth.middleware` option takes (Express `req`/`res` fit). */
export type DashboardMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Credentials of the dashboard's HTTP basic auth. */
export interface DashboardBasicAuth {
  readonly username: string;
  readonly password: string;
  /** Shown by the browser's login prompt. Default `'Event bus dashboard'`. */
  readonly realm?: string;
}

/**
 * HTTP basic auth: lets a request through when its `Authorization` header carries the credentials, otherwise
 * answers 401 with a `WWW-Authenticate` challenge (the browser shows its login prompt). Compares in constant time.
 */
export function basicAuthMiddleware(auth: DashboardBasicAuth): DashboardMiddleware {
  const expected = digest(Buffer.from(`${auth.username}:${auth.password}`, 'utf8'));
  const realm = (auth.realm ?? 'Event bus dashboard').replace(/"/g, "'");
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (typeof header === 'string' && /^basic /i.test(header)) {
      const given = digest(Buffer.from(header.slice(6).trim(), 'base64'));
      if (timingSafeEqual(given, expected)) return next();
    }
    res.statusCode = 401;
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Authentication required');
  };
}

/** Lets every request through (`auth: false`). */
export const openAccess: DashboardMiddleware = (_req, _res, next) => next();

/** Runs middlewares one after the other (Nest applies the board's one middleware option before its router). */
export function chainMiddleware(...chain: readonly DashboardMiddleware[]): DashboardMiddleware {
  return (req, res, next) => {
    const run = (index: number, error?: unknown): void => {
      if (error !== undefined || index === chain.length) return next(error);
      chain[index]!(req, res, (failure?: unknown) => run(index + 1, failure));
    };
    run(0);
  };
}

/** Equal-length digests, so the comparison takes the same time whatever the input's length. */
function digest(value: Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}
