import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import { basicAuthMiddleware, DashboardBasicAuth, DashboardMiddleware, openAccess } from './basic-auth.middleware';

/** How the dashboard checks who may use it. */
export type DashboardAuth =
  /** HTTP basic auth with these credentials. */
  | DashboardBasicAuth
  /** Your own check (a session, SSO, an IP allow list): call `next()` to let the request through. */
  | { readonly middleware: DashboardMiddleware };

/** Options of `EventBusDashboardModule.forRoot`. */
export interface EventBusDashboardOptions {
  /** Where the board is mounted (the app's global prefix applies). Default `'/queues'`. */
  readonly route?: string;
  /**
   * Required. The board can retry, remove and add jobs, so it is never open by accident: pass credentials, your
   * own middleware, or `false` to run it without auth (local development only).
   */
  readonly auth: DashboardAuth | false;
  /** Title shown in the board's header. Default `'Event bus'`. */
  readonly title?: string;
}

/** Options after defaults and checks. */
export interface ResolvedDashboardOptions {
  readonly route: string;
  readonly middleware: DashboardMiddleware;
  readonly open: boolean;
  readonly title: string;
}

const HOW_TO_FIX =
  'Pass auth: { username, password } (HTTP basic auth), auth: { middleware } (your own check: a session, SSO, an ' +
  'IP allow list), or auth: false to run the dashboard open, for local development only.';

/** Applies the defaults and checks the options; throws an {@link EventBusConfigError} saying how to fix a bad one. */
export function resolveDashboardOptions(
  options: EventBusDashboardOptions | undefined,
  usage = 'EventBusDashboardModule.forRoot',
): ResolvedDashboardOptions {
  if (!options || typeof options !== 'object') {
    throw new EventBusConfigError(`${usage} needs options with auth. ${HOW_TO_FIX}`);
  }
  const route = options.route ?? '/queues';
  if (typeof route !== 'string' || !/^\/[A-Za-z0-9_\-./]*$/.test(route) || route.length < 2) {
    throw new EventBusConfigError(
      `${usage}: route must be a path such as '/queues' (starting with '/', not the root), received ${JSON.stringify(route)}.`,
    );
  }
  const title = options.title ?? 'Event bus';
  const auth = options.auth as DashboardAuth | false | undefined;
  if (auth === false) return { route, middleware: openAccess, open: true, title };
  if (auth === undefined || auth === null || typeof auth !== 'object') {
    throw new EventBusConfigError(
      `${usage}: the dashboard requires auth, because it can retry, remove and add jobs; received ` +
        `${auth === undefined ? 'no auth option' : `auth: ${JSON.stringify(auth)}`}. ${HOW_TO_FIX}`,
    );
  }
  if ('middleware' in auth) {
    if (typeof auth.middleware !== 'function') {
      throw new EventBusConfigError(`${usage}: auth.middleware must be a function (req, res, next) => void.`);
    }
    return { route, middleware: auth.middleware, open: false, title };
  }
  const { username, password } = auth;
  if (typeof username !== 'string' || username === '' || username.includes(':')) {
    throw new EventBusConfigError(`${usage}: auth.username must be a non-empty string without ":". ${HOW_TO_FIX}`);
  }
  if (typeof password !== 'string' || password === '') {
    throw new EventBusConfigError(
      `${usage}: auth.password must be a non-empty string (from your secrets, not the code). ${HOW_TO_FIX}`,
    );
  }
  return { route, middleware: basicAuthMiddleware(auth), open: false, title };
}
