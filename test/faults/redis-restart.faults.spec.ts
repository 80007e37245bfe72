import { describeWorkerOptions } from './support/fault-servers';
import { FaultStream, recordRedis, startFaultStream } from './support/fault-stream';
import { faultLine } from './support/ledger';

/**
 * Redis killed (SIGKILL) and restarted on its port mid-stream, with the append-only file on (`appendfsync always`):
 * a worker process consumes a plain and a partitioned handler while this process publishes; nothing published is
 * lost, per-key order holds, and the stream resumes by itself. Five runs, each on a fresh Redis.
 */
const RUNS = Number(process.env.FAULTS_RESTART_RUNS ?? 5);
const EVENTS = 400;

jest.setTimeout(180_000);

describe('Redis killed and restarted mid-stream (AOF, appendfsync always)', () => {
  const record = recordRedis();
  let stream: FaultStream | undefined;

  beforeAll(() => process.stdout.write(`faults: worker options ${describeWorkerOptions()}\n`));

  afterEach(async () => {
    await stream?.close();
    stream = undefined;
  });

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))(
    'run %i: plain and partitioned handlers lose nothing and keep key order when Redis is killed and restarted',
    async (run) => {
      stream = await startFaultStream(record.url);
      const { redis, ledger } = stream;
      const publishing = stream.publish({ events: EVENTS });

      // Mid-stream: once a third of the events are handled by both handlers, kill Redis and start it again at once.
      await ledger.runs((EVENTS * 2) / 3, 60_000);
      const beforeKill = [...ledger.published.keys()];
      await redis.kill();
      await redis.restart();
      const back = performance.now();
      await ledger.settle(120_000, beforeKill);
      const recoveredMs = performance.now() - back;

      const retries = await publishing;
      await ledger.settle(60_000);
      const tally = await ledger.total();
      faultLine(
        `redis-restart#${run}`,
        tally,
        recoveredMs,
        `handlers=plain+partitioned events=${EVENTS} published_before_kill=${beforeKill.length} publish_retries=${retries}`,
      );
      expect(stream.workers[0]!.process.exitCode).toBeNull(); // the worker rode it out
      expect({ lost: tally.lost, violations: tally.violations }).toEqual({ lost: 0, violations: 0 });
    },
  );
});
