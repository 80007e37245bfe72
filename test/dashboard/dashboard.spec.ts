import { INestApplication } from '@nestjs/common';
import { EventBusConfigError } from 'nestjs-durable-bus';
import { laneOf, laneQueueName } from 'nestjs-durable-bus/transport';
import { EventBusDashboardModule, EventBusDashboardOptions } from 'nestjs-durable-bus/dashboard';
import {
  basicAuth,
  CREDENTIALS,
  DashboardApp,
  EXPECTED_QUEUES,
  NewsletterSignup,
  OrderPlaced,
  startDashboardApp,
} from './dashboard-app';

interface BoardQueue {
  name: string;
  displayName?: string;
  description?: string;
  allowRetries: boolean;
  globalConcurrency: number | null;
  jobs: { id: string; name: string; data: Record<string, unknown> }[];
}

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(options?: EventBusDashboardOptions): Promise<DashboardApp> {
  const started = await startDashboardApp(options);
  apps.push(started.app);
  return started;
}

const AUTH = { authorization: basicAuth(CREDENTIALS.username, CREDENTIALS.password) };

async function boardQueues(dashboard: DashboardApp): Promise<BoardQueue[]> {
  const response = await fetch(`${dashboard.url}/queues/api/queues?activeQueue=&status=waiting`, { headers: AUTH });
  expect(response.status).toBe(200);
  return ((await response.json()) as { queues: BoardQueue[] }).queues;
}

describe('dashboard (Bull Board)', () => {
  it('lists every handler queue and every partition lane, named after handler and lane', async () => {
    const dashboard = await start();

    const queues = await boardQueues(dashboard);

    expect(queues.map((queue) => queue.name).sort()).toEqual([...EXPECTED_QUEUES].sort());
    const byName = new Map(queues.map((queue) => [queue.name, queue]));
    expect(byName.get('mailing.welcome')?.displayName).toBe('mailing.welcome');
    expect(byName.get('{billing.issue-invoice.lane-1}')?.displayName).toBe('billing.issue-invoice · lane 2/2');
    expect(byName.get('{billing.issue-invoice.lane-0}')?.description).toContain('shop.order-placed');
    expect(byName.get('billing.issue-invoice')?.description).toContain('ShopHandlers.issueInvoice');
  });

  it("shows a job named by event and handler, with the event's fields readable in its data", async () => {
    const dashboard = await start();
    const receipt = await dashboard.bus.publish(new NewsletterSignup('ada@example.com'));
    const jobId = receipt.jobs[0]!.jobId;

    const response = await fetch(`${dashboard.url}/queues/api/queues/mailing.welcome/${encodeURIComponent(jobId)}`, {
      headers: AUTH,
    });

    expect(response.status).toBe(200);
    const { job } = (await response.json()) as { job: BoardQueue['jobs'][number] };
    expect(job.name).toBe('shop.newsletter-signup → mailing.welcome');
    expect(job.data).toMatchObject({
      event: 'shop.newsletter-signup',
      handler: 'mailing.welcome',
      id: receipt.eventId,
      payload: { email: 'ada@example.com' },
    });
  });

  it('lists the waiting jobs of a lane with their readable events', async () => {
    const dashboard = await start();
    await dashboard.bus.publish(new OrderPlaced('o-42', 25, new Date('2026-11-23T14:04:05.000Z')));

    const lane = laneQueueName('billing.issue-invoice', laneOf('o-42', 2));

    const response = await fetch(
      `${dashboard.url}/queues/api/queues?activeQueue=${encodeURIComponent(lane)}&status=waiting`,
      { headers: AUTH },
    );
    const { queues } = (await response.json()) as { queues: BoardQueue[] };

    const jobs = queues.find((queue) => queue.name === lane)?.jobs ?? [];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data).toMatchObject({
      event: 'shop.order-placed',
      partitionKey: 'o-42',
      payload: { orderId: 'o-42', total: 25, placedAt: '2026-11-23T14:04:05.000Z' },
    });
  });

  it('answers 401 with a basic-auth challenge without credentials or with wrong ones, 200 with the right ones', async () => {
    const dashboard = await start();

    const anonymous = await fetch(`${dashboard.url}/queues/api/queues`);
    const wrong = await fetch(`${dashboard.url}/queues/api/queues`, {
      headers: { authorization: basicAuth(CREDENTIALS.username, 'guess') },
    });
    const page = await fetch(`${dashboard.url}/queues`);
    const right = await fetch(`${dashboard.url}/queues/api/queues`, { headers: AUTH });
    const rightPage = await fetch(`${dashboard.url}/queues`, { headers: AUTH });

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(wrong.status).toBe(401);
    expect(page.status).toBe(401);
    expect(right.status).toBe(200);
    expect(rightPage.status).toBe(200);
    expect(await rightPage.text()).toContain('<html');
  });

  it('takes your own middleware as auth', async () => {
    const dashboard = await start({
      route: '/ops/board',
      auth: {
        middleware: (req, res, next) => {
          if (req.headers['x-staff'] === 'yes') return next();
          res.statusCode = 403;
          res.end('staff only');
        },
      },
    });

    expect((await fetch(`${dashboard.url}/ops/board/api/queues`)).status).toBe(403);
    expect((await fetch(`${dashboard.url}/ops/board/api/queues`, { headers: { 'x-staff': 'yes' } })).status).toBe(200);
  });

  it('refuses to boot without auth, saying how to fix it, and runs open only with an explicit auth: false', async () => {
    const missing = { route: '/queues' } as unknown as EventBusDashboardOptions;
    expect(() => EventBusDashboardModule.forRoot(missing)).toThrow(EventBusConfigError);
    expect(() => EventBusDashboardModule.forRoot(missing)).toThrow(
      /requires auth.*auth: \{ username, password \}.*auth: \{ middleware \}.*auth: false/s,
    );
    expect(() => EventBusDashboardModule.forRoot({ auth: { username: 'ops', password: '' } })).toThrow(
      /auth.password must be a non-empty string/,
    );

    const open = await start({ route: '/queues', auth: false });
    expect((await fetch(`${open.url}/queues/api/queues`)).status).toBe(200);
  });

  it("keeps lanes' global concurrency and rate limit out of the UI's reach, and their failed jobs out of its retry", async () => {
    const dashboard = await start();
    const lane = encodeURIComponent('{billing.issue-invoice.lane-0}');
    const put = (path: string, body: unknown) =>
      fetch(`${dashboard.url}/queues/api/queues/${lane}/${path}`, {
        method: 'PUT',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const concurrency = await put('concurrency', { concurrency: 50 });
    const rateLimit = await put('rate-limit', { max: 10, duration: 1000 });

    const release = await put('rate-limit/release', {});

    expect(concurrency.status).toBe(405);
    expect(await concurrency.json()).toMatchObject({
      error: 'LaneSettingLockedError',
      message: expect.stringContaining('global concurrency of partition lane "{billing.issue-invoice.lane-0}"'),
    });
    expect(rateLimit.status).toBe(405);
    expect(release.status).toBe(405);
    const queues = await boardQueues(dashboard);
    const lanes = queues.filter((queue) => queue.name.includes('.lane-'));
    expect(lanes.map((queue) => queue.globalConcurrency)).toEqual([1, 1]);
    expect(lanes.map((queue) => queue.allowRetries)).toEqual([false, false]);
    // The handler's parallel queue stays fully editable.
    expect(queues.find((queue) => queue.name === 'billing.issue-invoice')?.allowRetries).toBe(true);
  });
});
