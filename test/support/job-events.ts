import { Job, Queue, QueueEvents } from 'bullmq';
import { redisUrl } from './bus-app';
import { deferred, Recorder, within } from './deferred';

/**
 * Waits (bounded) until a job reaches `completed` or `failed`. Reads the queue's event stream from its start (not
 * from "now": the first read may be issued after the job finished), then also checks the current state, so a job
 * that finished before the call, or whose events were trimmed, is not missed.
 */
export async function waitForFinished(
  prefix: string,
  queueName: string,
  jobId: string,
  ms = 10_000,
): Promise<{ state: 'completed' | 'failed'; job: Job }> {
  const connection = { url: redisUrl() };
  const events = new QueueEvents(queueName, { connection, prefix, lastEventId: '0-0' });
  const queue = new Queue(queueName, { connection, prefix });
  try {
    await events.waitUntilReady();
    const finished = deferred<void>();
    const onFinished = ({ jobId: id }: { jobId: string }) => id === jobId && finished.resolve();
    events.on('completed', onFinished);
    events.on('failed', onFinished);
    const state = await queue.getJobState(jobId);
    if (state !== 'completed' && state !== 'failed') {
      await within(finished.promise, ms, `job ${jobId} of queue ${queueName} to finish (state was ${state})`);
    }
    const job = await queue.getJob(jobId);
    if (!job) throw new Error(`job ${jobId} vanished (removed on completion?)`);
    return { state: (await job.getState()) as 'completed' | 'failed', job };
  } finally {
    await events.close();
    await queue.close();
  }
}

/** One entry of a queue's event stream, as {@link recordJobEvents} keeps it. */
export interface JobEvent {
  readonly event: 'waiting' | 'active' | 'completed' | 'failed';
  readonly jobId: string;
  /** The handler's result (completed). */
  readonly returnvalue?: unknown;
  /** The error message (failed). */
  readonly failedReason?: string;
}

const openQueueEvents = new Set<QueueEvents>();

/**
 * Records the job events of a queue from the start of its event stream (so nothing published before the listener
 * connected is missed: use it on a fresh prefix), for waiting on them with {@link Recorder.until}. Closed after the
 * test.
 */
export async function recordJobEvents(prefix: string, queueName: string): Promise<Recorder<JobEvent>> {
  const events = new QueueEvents(queueName, { connection: { url: redisUrl() }, prefix, lastEventId: '0-0' });
  openQueueEvents.add(events);
  const recorder = new Recorder<JobEvent>();
  events.on('waiting', ({ jobId }) => recorder.push({ event: 'waiting', jobId }));
  events.on('active', ({ jobId }) => recorder.push({ event: 'active', jobId }));
  events.on('completed', ({ jobId, returnvalue }) => recorder.push({ event: 'completed', jobId, returnvalue }));
  events.on('failed', ({ jobId, failedReason }) => recorder.push({ event: 'failed', jobId, failedReason }));
  await events.waitUntilReady();
  return recorder;
}

afterEach(async () => {
  await Promise.all([...openQueueEvents].map((events) => events.close()));
  openQueueEvents.clear();
});
