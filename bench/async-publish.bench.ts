/**
 * Scenario 2: async publish, jobs/s. `EventBus.publish` of events with 3 async handlers from 64 concurrent callers
 * (3 jobs per event, written through the bus's write batcher) vs raw BullMQ writing the same jobs (same data size,
 * same job options, job ids of the same length): `queue.add` × 3 under `Promise.all` from 64 callers, and
 * `addBulk` on each queue for every 64 events (what the 64 callers would produce in one turn).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { HANDLER_IDS, orderPlaced, rawEventId, rawJobData, rawJobOptions } from './support/bench-events';
import { orderApp } from './support/bench-apps';
import { Contender, fromCallers, interleave, rate } from './support/measure';
import { deletePrefix, freshPrefix, LoadLog } from './support/redis-tools';
import { Scenario } from './support/scenario';

const CALLERS = 64;
const JOB_NAME = 'bench.order-placed';

export const asyncPublish: Scenario = async ({ quick, rounds, redisUrl }) => {
  const events = quick ? 5_000 : 20_000;
  const jobs = events * HANDLER_IDS.length;
  let counter = 0;
  const loads = new LoadLog<'bus' | 'add' | 'bulk'>(redisUrl);

  /** Raw BullMQ queues under a fresh prefix, sharing one connection (as the bus's producer does). */
  const rawSample = async (side: 'add' | 'bulk', write: (queues: Queue[]) => Promise<void>): Promise<number> => {
    const prefix = freshPrefix('raw');
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queues = HANDLER_IDS.map((name) => new Queue(name, { connection, prefix }));
    await Promise.all(queues.map((queue) => queue.waitUntilReady()));
    try {
      return await loads.measure(side, () => rate(jobs, () => write(queues)));
    } finally {
      await Promise.all(queues.map((queue) => queue.close()));
      await connection.quit();
      await deletePrefix(redisUrl, prefix);
    }
  };
  const rawJob = (i: number, eventId: string, handler: string) => ({
    name: JOB_NAME,
    data: rawJobData(i, eventId, handler),
    opts: rawJobOptions(`${eventId}.${handler}`),
  });

  const contenders: Contender[] = [
    {
      label: 'EventBus.publish',
      sample: async () => {
        const prefix = freshPrefix('bus');
        const { app, bus } = await orderApp({ connection: redisUrl, prefix, role: 'publisher' });
        await bus.publish(orderPlaced(-1)); // opens the connection and loads the scripts, as the raw side's waitUntilReady
        try {
          return await loads.measure('bus', () =>
            rate(jobs, () => fromCallers(events, CALLERS, (i) => bus.publish(orderPlaced(i)))),
          );
        } finally {
          await app.close();
          await deletePrefix(redisUrl, prefix);
        }
      },
    },
    {
      label: 'queue.add',
      sample: () =>
        rawSample('add', (queues) =>
          fromCallers(events, CALLERS, (i) => {
            const eventId = rawEventId(counter++);
            return Promise.all(
              queues.map((queue, h) => {
                const job = rawJob(i, eventId, HANDLER_IDS[h]!);
                return queue.add(job.name, job.data, job.opts);
              }),
            );
          }),
        ),
    },
    {
      label: 'addBulk',
      sample: () =>
        rawSample('bulk', async (queues) => {
          for (let start = 0; start < events; start += CALLERS) {
            const ids = Array.from({ length: Math.min(CALLERS, events - start) }, () => rawEventId(counter++));
            await Promise.all(
              queues.map((queue, h) => queue.addBulk(ids.map((id, k) => rawJob(start + k, id, HANDLER_IDS[h]!)))),
            );
          }
        }),
    },
  ];
  const [bus, add, bulk] = await interleave(contenders, rounds);
  const note = `${events.toLocaleString('en-US')} events = ${jobs.toLocaleString('en-US')} jobs per sample`;
  const cpu = (peer: 'add' | 'bulk') =>
    `CPU while sampling (1 core = 100%): ours ${loads.describe('bus')}; peer ${loads.describe(peer)}`;
  return [
    {
      id: '2a',
      scenario: 'async publish, 3 async handlers, 64 callers',
      ours: 'publish',
      peer: 'BullMQ queue.add × 3, Promise.all',
      unit: 'jobs/s',
      samples: [bus!, add!],
      goal: { op: '>=', value: 1.3 },
      note: `${note}. ${cpu('add')}`,
    },
    {
      id: '2b',
      scenario: 'async publish, 3 async handlers, 64 callers',
      ours: 'publish',
      peer: 'BullMQ addBulk per queue per 64 events',
      unit: 'jobs/s',
      samples: [bus!, bulk!],
      goal: { op: '>=', value: 0.9 },
      note: `${note}. ${cpu('bulk')}`,
    },
  ];
};
