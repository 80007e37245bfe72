import { request } from 'node:http';
import { appRoutes } from '@bull-board/api/dist/routes.js';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ParkedKeys } from 'nestjs-durable-bus';
import { laneQueueName } from 'nestjs-durable-bus/transport';
import { LaneOrderLockedError, LaneQueueAdapter, LaneSettingLockedError } from 'nestjs-durable-bus/dashboard';
import { freshPrefix, redisUrl } from '../support/bus-app';
import { recordJobEvents } from '../support/job-events';
import {
  basicAuth,
  CREDENTIALS,
  DashboardApp,
  FailingHandlers,
  PaymentCaptured,
  ReceiptRequested,
  startDashboardApp,
} from './dashboard-app';

const LANE = laneQueueName('billing.settle-payment', 0);
const AUTH = { authorization: basicAuth(CREDENTIALS.username, CREDENTIALS.password) };

const apps: INestApplication[] = [];
const queues: Queue[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

function queueHandle(name: string, prefix: string): Queue {
  const queue = new Queue(name, { connection: { url: redisUrl() }, prefix });
  queues.push(queue);
  return queue;
}

/** The dashboard next to a consuming bus whose handlers fail on demand. */
async function start(): Promise<DashboardApp> {
  const started = await startDashboardApp(undefined, { role: 'both', providers: [FailingHandlers] });
  apps.push(started.app);
  return started;
}

/** Publishes a payment the lane cannot settle: its job fails and its key is parked. Returns the job's id. */
async function failedLaneJob(dashboard: DashboardApp): Promise<string> {
  const events = await recordJobEvents(dashboard.prefix, LANE);
  const { jobId } = (await dashboard.bus.publish(new PaymentCaptured('o-7', -5))).jobs[0]!;
  await events.until(
    (seen) => seen.some((e) => e.jobId === jobId && e.event === 'failed'),
    `lane job ${jobId} to fail`,
  );
  return jobId;
}

/** A request of the board's API on one queue: `path` follows `/api/queues/:queueName/`. */
function boardApi(dashboard: DashboardApp, queue: string, method: string, path: string, body?: unknown) {
  return fetch(`${dashboard.url}/queues/api/queues/${encodeURIComponent(queue)}/${path}`, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Everything a board action could change on the lane: counts, the failed job, settings, parked keys. */
async function laneState(dashboard: DashboardApp, lane: Queue, jobId: string) {
  const job = await lane.getJob(jobId);
  return {
    counts: await lane.getJobCounts(),
    job: job && {
      state: await job.getState(),
      data: job.data as unknown,
      priority: job.priority,
      delay: job.delay,
      attemptsMade: job.attemptsMade,
    },
    globalConcurrency: await lane.getGlobalConcurrency(),
    paused: await lane.isPaused(),
    parked: (await dashboard.app.get(ParkedKeys).list()).map(({ key, jobId: parkedJob }) => ({ key, parkedJob })),
  };
}

/**
 * Every board action that would run a lane job out of its key's order, and a write the guard does not know, with what
 * the refusal says.
 */
const REFUSED: {
  action: string;
  method: string;
  path: (job: string) => string;
  body?: unknown;
  says: RegExp;
  /** Pause the lane through the board first (BullMQ obliterates paused queues only). */
  paused?: boolean;
}[] = [
  {
    action: 'retry of a failed job',
    method: 'PUT',
    path: (job) => `${job}/retry`,
    says: new RegExp(
      '^Retrying job "[^"]+" of partition lane "\\{billing\\.settle-payment\\.lane-0\\}" is refused: the board ' +
        "would put it at the back of the lane.* ParkedKeys\\.release\\(handlerId, key, 'retry'\\) .* runs the " +
        'event again at the head of its lane',
    ),
  },
  {
    action: 'retry spelled RETRY/ (the board matches it too)',
    method: 'PUT',
    path: (job) => `${job}/RETRY/`,
    says: /^Retrying job/,
  },
  { action: 'retry of all failed jobs', method: 'PUT', path: () => 'retry/failed', says: /^Retrying all failed/ },
  {
    action: 'adding a job',
    method: 'POST',
    path: () => 'add',
    body: { name: 'billing.payment-captured', data: { partitionKey: 'o-7' }, options: {} },
    says: /^Adding a job to partition lane .* Publish the event instead\.$/,
  },
  { action: 'promoting a job', method: 'PUT', path: (job) => `${job}/promote`, says: /^Promoting job/ },
  { action: 'promoting all jobs', method: 'PUT', path: () => 'promote', says: /^Promoting the delayed jobs/ },
  {
    action: "changing a job's priority",
    method: 'PATCH',
    path: (job) => `${job}/priority`,
    body: { priority: 1 },
    says: /^Changing the priority of job/,
  },
  {
    action: "changing a job's delay",
    method: 'PATCH',
    path: (job) => `${job}/delay`,
    body: { runAt: Date.now() + 60_000 },
    says: /^Changing the delay of job/,
  },
  {
    action: "editing a job's data",
    method: 'PATCH',
    path: (job) => `${job}/update-data`,
    body: { jobData: { partitionKey: 'o-8' } },
    says: /^Editing the data of job .* Publish a corrective event instead\.$/,
  },
  {
    action: 'running a job scheduler',
    method: 'PUT',
    path: () => 'job-schedulers/nightly/run',
    says: /^Running or rescheduling a job scheduler/,
  },
  {
    action: 'rescheduling a job scheduler',
    method: 'PATCH',
    path: () => 'job-schedulers/nightly',
    body: { every: 1000 },
    says: /^Running or rescheduling a job scheduler/,
  },
  {
    action: 'obliterating the (paused) lane',
    method: 'PUT',
    path: () => 'obliterate',
    body: {},
    says: /^Obliterating/,
    paused: true,
  },
  {
    action: 'a write the guard does not know',
    method: 'PUT',
    path: (job) => `${job}/move-to-wait`,
    says: /^This change to partition lane .* is refused: on a lane the dashboard lets through only reads and/,
  },
];

describe('dashboard: partition lanes keep their order', () => {
  it.each(REFUSED)('refuses on a lane: $action (405 with the reason), and the lane is unchanged', async (refused) => {
    const dashboard = await start();
    const lane = queueHandle(LANE, dashboard.prefix);
    const jobId = await failedLaneJob(dashboard);
    if (refused.paused) expect((await boardApi(dashboard, LANE, 'PUT', 'pause')).status).toBe(200);
    const before = await laneState(dashboard, lane, jobId);

    const response = await boardApi(dashboard, LANE, refused.method, refused.path(jobId), refused.body);

    expect(response.status).toBe(405);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('LaneOrderLockedError');
    expect(body.message).toMatch(refused.says);
    expect(await laneState(dashboard, lane, jobId)).toEqual(before);
    expect(before).toMatchObject({
      counts: { failed: 1, waiting: 0, prioritized: 0, delayed: 0, completed: 0 },
      job: { state: 'failed', priority: 0, data: { partitionKey: 'o-7' } },
      globalConcurrency: 1,
      parked: [{ key: 'o-7', parkedJob: jobId }],
    });
  });

  it('refuses a retry sent with an absolute-form request target (PUT http://host/queues/api/…), as the board would run it', async () => {
    const dashboard = await start();
    const lane = queueHandle(LANE, dashboard.prefix);
    const jobId = await failedLaneJob(dashboard);
    const before = await laneState(dashboard, lane, jobId);
    const target = `${dashboard.url}/queues/api/queues/${encodeURIComponent(LANE)}/${encodeURIComponent(jobId)}/retry`;

    // fetch always sends origin-form; node:http sends the path as given, so the request line carries the full URL.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(dashboard.url);
      const req = request({ hostname, port, method: 'PUT', path: target, headers: AUTH }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });

    expect(status).toBe(405);
    expect(JSON.parse(body)).toMatchObject({ error: 'LaneOrderLockedError' });
    expect(await laneState(dashboard, lane, jobId)).toEqual(before);
  });

  it('lets through, on a lane, reading a job, pausing and resuming, emptying waiting jobs and removing a failed one', async () => {
    const dashboard = await start();
    const lane = queueHandle(LANE, dashboard.prefix);
    const jobId = await failedLaneJob(dashboard);

    const read = await fetch(`${dashboard.url}/queues/api/queues/${encodeURIComponent(LANE)}/${jobId}`, {
      headers: AUTH,
    });
    expect(read.status).toBe(200);

    expect((await boardApi(dashboard, LANE, 'PUT', 'pause')).status).toBe(200);
    expect(await lane.isPaused()).toBe(true);
    await dashboard.bus.publish(new PaymentCaptured('o-9', 10));
    expect(await lane.getWaitingCount()).toBe(1);
    expect((await boardApi(dashboard, LANE, 'PUT', 'empty')).status).toBe(200);
    expect(await lane.getWaitingCount()).toBe(0);
    expect((await boardApi(dashboard, LANE, 'PUT', 'resume')).status).toBe(200);
    expect(await lane.isPaused()).toBe(false);

    expect((await boardApi(dashboard, LANE, 'PUT', `${jobId}/clean`)).status).toBe(204);
    expect(await lane.getJob(jobId)).toBeUndefined();
    expect(await lane.getGlobalConcurrency()).toBe(1);
  });

  it('sorts every write route of the installed Bull Board: on a lane, the ones that break order refused, the others let through; on a handler queue, all let through', async () => {
    const dashboard = await startDashboardApp();
    apps.push(dashboard.app);
    const writes = appRoutes.api
      .flatMap(({ method, route }) =>
        [method].flat().flatMap((verb) => [route].flat().map((path) => ({ method: verb.toUpperCase(), path }))),
      )
      .filter(({ method, path }) => method !== 'GET' && path.startsWith('/api/queues/:queueName/'));
    /** What the dashboard does with every write route on `queue`: the guard's error, or let through to the board. */
    const sort = async (queue: string) => {
      const outcome: Record<string, string> = {};
      for (const { method, path } of writes) {
        const action = path
          .replace('/api/queues/:queueName/', '')
          .replace(':jobId', 'no-such-job')
          .replace(':queueStatus', 'failed')
          .replace(':schedulerId', 'no-such-scheduler');
        const response = await boardApi(dashboard, queue, method, action, {});
        const { error } = (await response.json()) as { error?: unknown };
        outcome[`${method} ${action}`] =
          response.status === 405 && typeof error === 'string' ? error : 'let through to the board';
      }
      return outcome;
    };

    const onLane = await sort('{billing.issue-invoice.lane-0}');
    const onHandlerQueue = await sort('mailing.welcome');

    expect(onLane).toEqual({
      'PUT concurrency': 'LaneSettingLockedError',
      'PUT rate-limit': 'LaneSettingLockedError',
      'PUT rate-limit/release': 'LaneSettingLockedError',
      'POST add': 'LaneOrderLockedError',
      'PUT retry/failed': 'LaneOrderLockedError',
      'PUT promote': 'LaneOrderLockedError',
      'PUT obliterate': 'LaneOrderLockedError',
      'PATCH job-schedulers/no-such-scheduler': 'LaneOrderLockedError',
      'PUT job-schedulers/no-such-scheduler/run': 'LaneOrderLockedError',
      'PUT no-such-job/retry': 'LaneOrderLockedError',
      'PUT no-such-job/promote': 'LaneOrderLockedError',
      'PATCH no-such-job/update-data': 'LaneOrderLockedError',
      'PATCH no-such-job/delay': 'LaneOrderLockedError',
      'PATCH no-such-job/priority': 'LaneOrderLockedError',
      'PUT clean/failed': 'let through to the board',
      'PUT pause': 'let through to the board',
      'PUT resume': 'let through to the board',
      'PUT empty': 'let through to the board',
      'PUT job-schedulers/no-such-scheduler/remove': 'let through to the board',
      'PUT no-such-job/clean': 'let through to the board',
      'PUT no-such-job/remove-unprocessed-children': 'let through to the board',
    });
    expect(Object.keys(onHandlerQueue)).toEqual(Object.keys(onLane));
    expect(new Set(Object.values(onHandlerQueue))).toEqual(new Set(['let through to the board']));
  });

  it('retries a failed job of a handler (non-lane) queue from the board: 204, and the job runs again', async () => {
    const dashboard = await start();
    const events = await recordJobEvents(dashboard.prefix, 'mailing.send-receipt');
    const { jobId } = (await dashboard.bus.publish(new ReceiptRequested('ada@example.com'))).jobs[0]!;
    await events.until((seen) => seen.some((e) => e.jobId === jobId && e.event === 'failed'), `job ${jobId} to fail`);
    dashboard.app.get(FailingHandlers).mailServerDown = false;

    const response = await boardApi(dashboard, 'mailing.send-receipt', 'PUT', `${jobId}/retry`);

    expect(response.status).toBe(204);
    const runs = await events.until(
      (seen) => seen.some((e) => e.jobId === jobId && e.event === 'completed'),
      `job ${jobId} to run again and complete`,
    );
    expect(runs.find((e) => e.event === 'completed')?.returnvalue).toEqual({ sent: 'ada@example.com' });
  });

  it('the lane adapter refuses, on its own, its settings, adding a job, promoting all jobs and obliterating the lane', async () => {
    const queue = queueHandle(LANE, freshPrefix());
    await queue.setGlobalConcurrency(1);
    await queue.pause();
    const adapter = new LaneQueueAdapter(queue);

    await expect(adapter.setGlobalConcurrency(50)).rejects.toThrow(LaneSettingLockedError);
    await expect(adapter.setConfiguredRateLimit({ max: 10, duration: 1000 })).rejects.toThrow(LaneSettingLockedError);
    await expect(adapter.addJob('billing.payment-captured', { partitionKey: 'o-7' }, {})).rejects.toThrow(
      LaneOrderLockedError,
    );
    await expect(adapter.promoteAll()).rejects.toThrow(LaneOrderLockedError);
    await expect(adapter.obliterate()).rejects.toThrow(LaneOrderLockedError);

    expect(await queue.getJobCounts('waiting', 'delayed', 'prioritized')).toEqual({
      waiting: 0,
      delayed: 0,
      prioritized: 0,
    });
    expect(await queue.getGlobalConcurrency()).toBe(1);
  });
});
