/**
 * Scenario 3: end to end, jobs/s. Publish events with 3 async (no-op) handlers from 64 callers until every handler
 * has run, in one process with the bus's workers (concurrency 10 per handler) vs raw BullMQ: the same jobs written
 * with addBulk (per queue, per 64 events) and run by three no-op Workers at the same concurrency.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { HANDLER_IDS, orderPlaced, rawEventId, rawJobData, rawJobOptions } from './support/bench-events';
import { orderApp } from './support/bench-apps';
import { Contender, countdown, fromCallers, interleave, rate } from './support/measure';
import { deletePrefix, freshPrefix, LoadLog } from './support/redis-tools';
import { Scenario } from './support/scenario';

const CALLERS = 64;
const CONCURRENCY = 10;

export const endToEnd: Scenario = async ({ quick, rounds, redisUrl }) => {
  const events = quick ? 1_500 : 5_000;
  const jobs = events * HANDLER_IDS.length;
  let counter = 0;
  const loads = new LoadLog<'bus' | 'raw'>(redisUrl);

  const contenders: Contender[] = [
    {
      label: 'EventBus.publish + workers',
      sample: async () => {
        const prefix = freshPrefix('bus');
        const { app, bus, handlers } = await orderApp({ connection: redisUrl, prefix, concurrency: CONCURRENCY });
        try {
          const warm = countdown(HANDLER_IDS.length);
          handlers.onHandled = warm.tick;
          await bus.publish(orderPlaced(-1));
          await warm.done;
          const all = countdown(jobs);
          handlers.onHandled = all.tick;
          return await loads.measure('bus', () =>
            rate(jobs, async () => {
              await fromCallers(events, CALLERS, (i) => bus.publish(orderPlaced(i)));
              await all.done;
            }),
          );
        } finally {
          await app.close();
          await deletePrefix(redisUrl, prefix);
        }
      },
    },
    {
      label: 'addBulk + Workers',
      sample: async () => {
        const prefix = freshPrefix('raw');
        const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
        const queues = HANDLER_IDS.map((name) => new Queue(name, { connection, prefix }));
        let onJob: () => void = () => undefined;
        const workers = HANDLER_IDS.map(
          (name) =>
            new Worker(name, async () => onJob(), {
              connection: { url: redisUrl, maxRetriesPerRequest: null },
              prefix,
              concurrency: CONCURRENCY,
            }),
        );
        const add = async (from: number, to: number) => {
          const ids = Array.from({ length: to - from }, () => rawEventId(counter++));
          await Promise.all(
            queues.map((queue, h) =>
              queue.addBulk(
                ids.map((id, k) => ({
                  name: 'bench.order-placed',
                  data: rawJobData(from + k, id, HANDLER_IDS[h]!),
                  opts: rawJobOptions(`${id}.${HANDLER_IDS[h]!}`),
                })),
              ),
            ),
          );
        };
        try {
          await Promise.all([...queues, ...workers].map((q) => q.waitUntilReady()));
          const warm = countdown(HANDLER_IDS.length);
          onJob = warm.tick;
          await add(-1, 0);
          await warm.done;
          const all = countdown(jobs);
          onJob = all.tick;
          return await loads.measure('raw', () =>
            rate(jobs, async () => {
              for (let start = 0; start < events; start += CALLERS) await add(start, Math.min(events, start + CALLERS));
              await all.done;
            }),
          );
        } finally {
          await Promise.all(workers.map((worker) => worker.close()));
          await Promise.all(queues.map((queue) => queue.close()));
          await connection.quit();
          await deletePrefix(redisUrl, prefix);
        }
      },
    },
  ];
  const samples = await interleave(contenders, rounds);
  return [
    {
      id: '3',
      scenario: 'end to end: publish → 3 no-op async handlers done',
      ours: 'publish + bus workers',
      peer: 'BullMQ addBulk + Workers',
      unit: 'jobs/s',
      samples,
      goal: { op: '>=', value: 0.9 },
      note:
        `${jobs.toLocaleString('en-US')} jobs per sample, concurrency ${CONCURRENCY} per queue, one process. ` +
        `CPU while sampling (1 core = 100%): ours ${loads.describe('bus')}; ` +
        `peer ${loads.describe('raw')}`,
    },
  ];
};
