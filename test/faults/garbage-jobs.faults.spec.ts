import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { laneQueueName } from 'nestjs-durable-bus/transport';
import { Deferred, deferred, within } from '../support/deferred';
import { PARTITIONED, PLAIN } from './support/fault.handlers';
import { describeWorkerOptions, quietClient } from './support/fault-servers';
import { FaultStream, recordRedis, startFaultStream } from './support/fault-stream';
import { faultLine } from './support/ledger';

/**
 * Garbage in job data and job options, written into the hashes of jobs in a plain handler's queue and in a partition
 * lane while a worker process handles a stream of good events: each bad job fails once, with its reason, and the
 * worker keeps handling the good ones (a bad job that stayed active would block its lane for good).
 */
const EVENTS = 300;

/** A well-formed job of the handler, to be spoilt by one field. */
const envelope = (handler: string, id: string) => ({
  event: 'faults.entry',
  version: 1,
  id,
  occurredAt: '2026-12-03T10:00:00.000Z',
  correlationId: id,
  causationId: null,
  partitionKey: handler === PARTITIONED ? 'garbage-key' : null,
  handler,
  payload: { id: `garbage-${id}`, key: 'garbage-key', seq: 0 },
});

/** Each kind of garbage: the hash field, what is written there, and the reason the job must fail with. */
const ALL_GARBAGE: { name: string; data?: unknown; field?: string; value?: string; reason: string }[] = [
  { name: 'data-not-json', field: 'data', value: '{"event":"faults.entry",', reason: 'its data is not valid JSON' },
  { name: 'data-not-an-envelope', data: 'garbage', reason: 'its data is string, not an event envelope' },
  { name: 'data-null', field: 'data', value: 'null', reason: 'not an event envelope' },
  { name: 'data-half-envelope', data: { event: 'faults.entry', id: 'x' }, reason: 'missing or invalid' },
  {
    name: 'opts-not-json',
    field: 'opts',
    value: '{"attempts":5',
    reason: 'its opts field (read by the broker) is not valid JSON',
  },
  {
    name: 'opts-a-string',
    field: 'opts',
    value: '"fast"',
    reason: 'its opts field (read by the broker) is not a JSON object',
  },
  {
    name: 'opts-null',
    field: 'opts',
    value: 'null',
    reason: 'its opts field (read by the broker) is not a JSON object',
  },
  {
    name: 'opts-an-array',
    field: 'opts',
    value: '[1]',
    reason: 'its opts field (read by the broker) is not a JSON object',
  },
  {
    name: 'opts-attempts-not-a-number',
    field: 'opts',
    value: '{"attempts":"many"}',
    reason: 'its opts field (read by the broker) is not options BullMQ can use',
  },
  {
    name: 'progress-cut-short',
    field: 'progress',
    value: '{"a":',
    reason: 'its progress field (read by the broker) is not valid JSON',
  },
  {
    name: 'progress-not-json',
    field: 'progress',
    value: 'half done',
    reason: 'its progress field (read by the broker) is not valid JSON',
  },
];

/** FAULTS_GARBAGE=name,name tries only those (to find which one breaks something). */
const GARBAGE = ALL_GARBAGE.filter(
  (garbage) => !process.env.FAULTS_GARBAGE || process.env.FAULTS_GARBAGE.split(',').includes(garbage.name),
);

jest.setTimeout(300_000);

/** Where a job is: the lists and sets of its queue that hold it. */
async function stateOf(client: Redis, queueKey: string, jobId: string): Promise<string> {
  const found: string[] = [];
  for (const list of ['wait', 'active', 'paused']) {
    if ((await client.lpos(`${queueKey}:${list}`, jobId)) !== null) found.push(list);
  }
  for (const set of ['completed', 'failed', 'delayed', 'prioritized']) {
    if ((await client.zscore(`${queueKey}:${set}`, jobId)) !== null) found.push(set);
  }
  return found.join('+') || 'nowhere';
}

describe('garbage in job data and job options', () => {
  const record = recordRedis();
  let stream: FaultStream | undefined;
  const closers: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await stream?.close();
    stream = undefined;
  });

  it('each bad job fails once with its reason; the worker keeps handling the good ones, in key order', async () => {
    stream = await startFaultStream(record.url);
    const { redis, ledger, prefix } = stream;
    const client = quietClient(redis.url);
    closers.push(() => client.quit());
    const queues = [PLAIN, laneQueueName(PARTITIONED, 0)];
    const failures = new Map<string, Deferred<string>>();
    for (const queueName of queues) {
      const events = new QueueEvents(queueName, { connection: { url: redis.url }, prefix, lastEventId: '0-0' });
      closers.push(() => events.close());
      events.on('failed', ({ jobId, failedReason }) => failures.get(`${queueName}/${jobId}`)?.resolve(failedReason));
      await events.waitUntilReady();
    }

    const publishing = stream.publish({ events: EVENTS });
    await ledger.runs(EVENTS / 3, 60_000);
    const started = performance.now();
    // Each garbage job: added delayed (so no worker takes it yet), spoilt in its hash, then promoted to waiting.
    for (const [q, queueName] of queues.entries()) {
      const handler = q === 0 ? PLAIN : PARTITIONED;
      const queue = new Queue(queueName, { connection: { url: redis.url }, prefix });
      closers.push(() => queue.close());
      for (const [g, garbage] of GARBAGE.entries()) {
        const jobId = `garbage-${garbage.name}`;
        const data = garbage.data ?? envelope(handler, `01JGARBAGE00000000000000${q}${g}`);
        const job = await queue.add('faults.entry', data, { jobId, delay: 3_600_000, attempts: 5 });
        if (garbage.field) await client.hset(`${prefix}:${queueName}:${jobId}`, garbage.field, garbage.value!);
        failures.set(`${queueName}/${jobId}`, deferred());
        await job.promote();
      }
    }

    await publishing;
    await ledger.settle(60_000);
    const recoveredMs = performance.now() - started;
    const refused: string[] = [];
    const wrong: string[] = [];
    for (const [q, queueName] of queues.entries()) {
      for (const garbage of GARBAGE) {
        const jobId = `garbage-${garbage.name}`;
        const reason = await within(failures.get(`${queueName}/${jobId}`)!.promise, 20_000, `${jobId} to fail`).catch(
          async (error: Error) => `${error.message}; it is ${await stateOf(client, `${prefix}:${queueName}`, jobId)}`,
        );
        const attempts = await client.hget(`${prefix}:${queueName}:${jobId}`, 'atm');
        const ok = reason.includes('InvalidJobError') && reason.includes(garbage.reason) && attempts === '1';
        const where = `${q === 0 ? 'plain' : 'lane'}:${garbage.name}`;
        if (ok) refused.push(where);
        else wrong.push(`${where} (${reason}, attempts made ${attempts})`);
      }
    }
    const tally = await ledger.total();
    tally.violations += wrong.length;
    faultLine(
      'garbage-jobs',
      tally,
      recoveredMs,
      `handlers=plain+partitioned events=${EVENTS} garbage_tried=${refused.length + wrong.length} garbage_refused=${refused.length}`,
    );
    expect(wrong).toEqual([]);
    expect({ lost: tally.lost, violations: tally.violations }).toEqual({ lost: 0, violations: 0 });
    process.stdout.write(`faults: garbage-jobs refused: ${refused.join(', ')} (${describeWorkerOptions()})\n`);
  });
});
