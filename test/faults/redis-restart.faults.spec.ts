import { RedisServer, startRedisServer } from '../../tools/local-redis';
import { BusApp, MemoryLogger, createBusApp, freshPrefix } from '../support/bus-app';
import { Child, runTs } from '../support/child-process';
import { FaultEntry, FaultHandlersModule, PLAIN } from './support/fault.handlers';
import { OwnedRedis, WORKER_OPTIONS, describeWorkerOptions, publishSurely } from './support/fault-servers';
import { Ledger, faultLine } from './support/ledger';

/**
 * Redis killed (SIGKILL) and restarted on its port mid-stream, with the append-only file on (`appendfsync always`):
 * a worker process consumes a plain and a partitioned handler while this process publishes; nothing published is
 * lost, per-key order holds, and the stream resumes by itself. Five runs, each on a fresh Redis.
 */
const RUNS = Number(process.env.FAULTS_RESTART_RUNS ?? 5);
const EVENTS = 400;
const STREAMS = 4; // concurrent publishers, each with keys of its own (so each key has one publish order)
const KEYS_PER_STREAM = 5;
const AHEAD = 40; // events published and not yet handled, at most

jest.setTimeout(180_000);

describe('Redis killed and restarted mid-stream (AOF, appendfsync always)', () => {
  let record: RedisServer;
  let redis: OwnedRedis | undefined;
  let ledger: Ledger | undefined;
  let publisher: BusApp | undefined;
  let worker: Child | undefined;

  beforeAll(async () => {
    record = await startRedisServer();
    process.env.RECORD_URL = record.url;
    process.stdout.write(`faults: worker options ${describeWorkerOptions()}\n`);
  });

  afterEach(async () => {
    await worker?.stop('SIGKILL');
    await publisher?.close();
    await ledger?.close();
    await redis?.stop();
    worker = publisher = ledger = redis = undefined;
  });

  afterAll(async () => {
    await record?.stop();
  });

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))(
    'run %i: plain and partitioned handlers lose nothing and keep key order when Redis is killed and restarted',
    async (run) => {
      redis = await OwnedRedis.start();
      const prefix = freshPrefix();
      ledger = await Ledger.open(record.url, prefix);
      worker = runTs('test/faults/support/fault-worker.ts', [], {
        REDIS_URL: redis.url,
        RECORD_URL: record.url,
        BUS_PREFIX: prefix,
        FAULT_WORKER: JSON.stringify(WORKER_OPTIONS),
      });
      await worker.printed('worker ready', 60_000);
      process.env.REDIS_URL = redis.url;
      publisher = await createBusApp({
        imports: [FaultHandlersModule],
        prefix,
        logger: new MemoryLogger(),
        bus: { connection: redis.url, role: 'publisher', publishTimeout: 1_000 },
      });
      const bus = publisher.bus;
      const books = ledger;

      let retries = 0;
      const publishing = Promise.all(
        Array.from({ length: STREAMS }, async (_, stream) => {
          const seqs = new Map<string, number>();
          for (let i = stream; i < EVENTS; i += STREAMS) {
            const key = `s${stream}-k${((i / STREAMS) % KEYS_PER_STREAM) | 0}`;
            const seq = seqs.get(key) ?? 0;
            seqs.set(key, seq + 1);
            const event = new FaultEntry(`e${i}`, key, seq);
            retries += (await publishSurely(bus, event)) - 1;
            books.add(event);
            await books.keepUp(PLAIN, AHEAD, 120_000); // a stream, not a burst: Redis dies with work both sides
          }
        }),
      );

      // Mid-stream: once a third of the events are handled by both handlers, kill Redis and start it again at once.
      await ledger.runs((EVENTS * 2) / 3, 60_000);
      const beforeKill = [...ledger.published.keys()];
      await redis.kill();
      await redis.restart();
      const back = performance.now();
      await ledger.allHandled(120_000, undefined, beforeKill);
      const recoveredMs = performance.now() - back;

      await publishing;
      await ledger.allHandled(120_000);
      const tally = await ledger.total();
      faultLine(
        `redis-restart#${run}`,
        tally,
        recoveredMs,
        `handlers=plain+partitioned events=${EVENTS} published_before_kill=${beforeKill.length} publish_retries=${retries}`,
      );
      expect(worker.process.exitCode).toBeNull(); // the worker rode it out
      expect({ lost: tally.lost, violations: tally.violations }).toEqual({ lost: 0, violations: 0 });
    },
  );
});
