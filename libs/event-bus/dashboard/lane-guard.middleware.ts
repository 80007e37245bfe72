import { isLaneQueueName } from '../src/contracts/lane-names';
import type { DashboardMiddleware } from './basic-auth.middleware';
import { LaneOrderLockedError, LaneOrderOperation, LaneSettingLockedError } from './errors';

/** A change the board's API can make to one queue, and what the guard does with it on a lane. */
interface LaneRoute {
  readonly method: 'PUT' | 'POST' | 'PATCH';
  /** Segments after `/api/queues/:queueName/`; `:name` is any one segment, the job id when it is `:jobId`. */
  readonly path: readonly string[];
  /** The error a lane answers with; none: the change keeps the lane's order and goes through. */
  readonly refuse?: (queue: string, jobId: string | undefined) => Error;
}

const route = (method: LaneRoute['method'], path: string, refuse?: LaneRoute['refuse']): LaneRoute => ({
  method,
  path: path.split('/'),
  refuse,
});

const order = (operation: LaneOrderOperation) => (queue: string, jobId: string | undefined) =>
  new LaneOrderLockedError(queue, operation, jobId);

/**
 * The write routes of Bull Board 9's API on one queue (`@bull-board/api/dist/routes.js`). Refusals come first, so a
 * path that fits both a refused and an allowed route (`clean/retry`) is refused whichever one the board would pick.
 */
const LANE_ROUTES: readonly LaneRoute[] = [
  route('PUT', 'concurrency', (queue) => new LaneSettingLockedError(queue, 'global concurrency')),
  route('PUT', 'rate-limit', (queue) => new LaneSettingLockedError(queue, 'rate limit')),
  route('PUT', 'rate-limit/release', (queue) => new LaneSettingLockedError(queue, 'rate limit')),
  route('PUT', 'obliterate', order('obliterate')),
  route('PUT', 'retry/:queueStatus', order('retry all')),
  route('PUT', 'promote', order('promote all')),
  route('POST', 'add', order('add')),
  route('PUT', ':jobId/retry', order('retry')),
  route('PUT', ':jobId/promote', order('promote')),
  route('PATCH', ':jobId/priority', order('priority')),
  route('PATCH', ':jobId/delay', order('delay')),
  // The data carries the event's partition key and handler, which decide its lane and its key's parked state: an
  // edited key runs in a lane that does not own it, in parallel with the key's other events; and a parked key's
  // release re-runs the event as it was set aside, so an edit of its failed job would be silently ignored.
  route('PATCH', ':jobId/update-data', order('update data')),
  route('PUT', 'job-schedulers/:schedulerId/run', order('job scheduler')),
  route('PATCH', 'job-schedulers/:schedulerId', order('job scheduler')),
  // Reads aside, what keeps a lane's order: pausing, removing jobs, removing job schedulers (lanes have none).
  route('PUT', 'pause'),
  route('PUT', 'resume'),
  route('PUT', 'empty'),
  route('PUT', 'clean/:queueStatus'),
  route('PUT', ':jobId/clean'),
  route('PUT', ':jobId/remove-unprocessed-children'),
  route('PUT', 'job-schedulers/:schedulerId/remove'),
];

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const API_QUEUE = /^\/api\/queues\/([^?#]*)/i;

/**
 * Answers 405, with the reason, a request of the board's API that would break a partition lane's order: changing its
 * global concurrency or rate limit ({@link LaneSettingLockedError}), or running a job out of its key's publish order
 * ({@link LaneOrderLockedError}: retry, add, promote, priority, delay, data edits, job schedulers, obliterate). On a
 * lane, only reads and the changes listed as safe in {@link LANE_ROUTES} go through: a write route this version does
 * not know (a newer Bull Board's) is refused too. Handler queues are not concerned. Paths are matched as the board's
 * Express router matches them: case-insensitively, with an optional trailing slash. (The lane adapter refuses what
 * its API lets it; this guard covers the rest and gives the UI a clear answer instead of a 500.)
 */
export const laneGuard: DashboardMiddleware = (req, res, next) => {
  const match = READS.has(req.method ?? 'GET') ? null : API_QUEUE.exec(pathOf(req.url ?? ''));
  const segments = match ? match[1]!.replace(/\/$/, '').split('/') : [];
  const queue = segments.length > 0 ? safeDecode(segments[0]!) : undefined;
  if (queue === undefined || !isLaneQueueName(queue)) return next();
  const action = segments.slice(1);
  const known = LANE_ROUTES.find((candidate) => candidate.method === req.method && fits(candidate.path, action));
  if (known && !known.refuse) return next();
  const jobIndex = known?.path.indexOf(':jobId') ?? -1;
  const jobId = jobIndex >= 0 ? (safeDecode(action[jobIndex]!) ?? action[jobIndex]) : undefined;
  const error = known?.refuse?.(queue, jobId) ?? new LaneOrderLockedError(queue, 'unknown action');
  res.statusCode = 405;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error: error.name, message: error.message }));
};

function fits(path: readonly string[], action: readonly string[]): boolean {
  return (
    path.length === action.length &&
    path.every((segment, index) =>
      segment.startsWith(':') ? action[index] !== '' : segment === action[index]!.toLowerCase(),
    )
  );
}

/**
 * The path and query of a request target. An absolute-form target (`PUT http://host/queues/api/…`, which Node
 * accepts) keeps its scheme and host after Express strips the mount path, while the board's router matches the
 * parsed pathname: match that too.
 */
function pathOf(url: string): string {
  if (url.startsWith('/')) return url;
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
