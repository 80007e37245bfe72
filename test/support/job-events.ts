import { Job, Queue, QueueEvents } from 'bullmq';
import { redisUrl } from './bus-app';
import { deferred, within } from './deferred';

/**
 * Waits (bounded) until a job reaches `completed` or `failed`: listens to the queue's event stream first, then
 * checks the current state, so a job that finished before the call is not missed.
 */
export async function waitForFinished(
  prefix: string,
  queueName: string,
  jobId: string,
  ms = 10_000,
): Promise<{ state: 'completed' | 'failed'; job: Job }> {
  const connection = { url: redisUrl() };
  const events = new QueueEvents(queueName, { connection, prefix });
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
