import { Queue } from 'bullmq';
import { redisUrl } from '../support/bus-app';
import { Recorder } from '../support/deferred';
import { JobEvent, recordJobEvents } from '../support/job-events';
import { startDemo } from './demo-app';

type Row = Record<string, unknown>;

/** The e-mail handler is not partitioned (`partitionBy: false`): its queue is named after its id. */
const EMAIL_QUEUE = 'finances.email-invoice';

const queues: Queue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Waits (bounded) until job `jobId` completes or fails, after the first `seen` recorded events. */
async function outcomeAfter(events: Recorder<JobEvent>, seen: number, jobId: string, what: string): Promise<JobEvent> {
  const outcome = (recorded: JobEvent[]) =>
    recorded
      .slice(seen)
      .find((entry) => entry.jobId === jobId && (entry.event === 'completed' || entry.event === 'failed'));
  return outcome(await events.until((recorded) => outcome(recorded) !== undefined, what, 15_000))!;
}

describe('demo: a failed job retried from the dashboard', () => {
  it("a doomed-… customer's invoice e-mail fails 3 times into the failed set; the dashboard's Retry runs attempt 4, which e-mails it", async () => {
    const demo = await startDemo();
    const { prefix, dashboardUser, dashboardPassword } = demo.config;
    const events = await recordJobEvents(prefix, EMAIL_QUEUE);
    const queue = new Queue(EMAIL_QUEUE, { connection: { url: redisUrl() }, prefix });
    queues.push(queue);
    const auth = { authorization: basicAuth(dashboardUser, dashboardPassword) };

    const placed = await demo.post<Row>('/orders', {
      customerId: 'doomed-1',
      lines: [{ sku: 'hat', quantity: 1, unitPriceCents: 1500 }],
    });

    expect(placed.status).toBe(201);
    const failures = await events.until(
      (recorded) => recorded.some((entry) => entry.event === 'failed'),
      `a job of ${EMAIL_QUEUE} to land in the failed set`,
      15_000,
    );
    const jobId = failures.find((entry) => entry.event === 'failed')!.jobId;
    const failed = (await queue.getJob(jobId))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(3);
    expect(failed.failedReason).toBe('mail server rejected the invoice e-mail for doomed-1 (attempt 3)');
    const [invoice] = await demo.get<Row[]>('/invoices');
    expect(invoice).toMatchObject({ orderId: placed.body.id, customerId: 'doomed-1', emailedAt: null });

    // What the board's UI shows under the queue's "Failed" tab.
    const listing = await fetch(
      `${demo.base}/queues/api/queues?activeQueue=${encodeURIComponent(EMAIL_QUEUE)}&status=failed`,
      { headers: auth },
    );
    expect(listing.status).toBe(200);
    const { queues: board } = (await listing.json()) as {
      queues: { name: string; allowRetries: boolean; jobs: { id: string; name: string }[] }[];
    };
    const listed = board.find((entry) => entry.name === EMAIL_QUEUE);
    expect(listed?.allowRetries).toBe(true);
    expect(listed?.jobs.map((job) => [job.id, job.name])).toEqual([
      [jobId, 'finances.invoice-issued → finances.email-invoice'],
    ]);

    // The Retry button: PUT <board>/api/queues/:queueName/:jobId/retry, behind the dashboard's basic auth.
    const retryUrl = `${demo.base}/queues/api/queues/${encodeURIComponent(EMAIL_QUEUE)}/${encodeURIComponent(jobId)}/retry`;
    const anonymous = await fetch(retryUrl, { method: 'PUT' });
    const wrongPassword = await fetch(retryUrl, {
      method: 'PUT',
      headers: { authorization: basicAuth(dashboardUser, `${dashboardPassword}-wrong`) },
    });
    expect(anonymous.status).toBe(401);
    expect(wrongPassword.status).toBe(401);
    expect(await queue.getJobState(jobId)).toBe('failed');

    const seen = events.values.length;
    const retried = await fetch(retryUrl, { method: 'PUT', headers: auth });

    expect(retried.status).toBe(204);
    expect(await outcomeAfter(events, seen, jobId, `job ${jobId} to run again after the retry`)).toEqual({
      event: 'completed',
      jobId,
      returnvalue: { emailed: invoice!.id, attempt: 4 },
    });
    const job = (await queue.getJob(jobId))!;
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(4);
    const [emailed] = await demo.get<Row[]>('/invoices');
    expect(emailed).toMatchObject({ id: invoice!.id, status: 'issued', emailedAt: expect.any(String) });
  }, 60_000);
});
