import { PublishQueueFullError, PublishTimeoutError } from 'nestjs-durable-bus';
import { BusApp, MemoryLogger, createBusApp, freshPrefix } from '../support/bus-app';
import { FaultEntry, FaultHandlersModule } from './support/fault.handlers';
import { OwnedRedis, WORKER_OPTIONS, describeWorkerOptions, publishSurely } from './support/fault-servers';
import { recordRedis } from './support/fault-stream';
import { Ledger, faultLine } from './support/ledger';

/**
 * Redis down while an app (publisher and consumer in one process) keeps publishing: every publish fails within
 * publishTimeout with a PublishTimeoutError, at most maxPendingPublishes wait (the rest are refused at once), memory
 * stays bounded through rounds of bursts, nothing refused is written; once Redis is back the same app publishes and
 * handles again, without a restart.
 */
const PUBLISH_TIMEOUT = 1_000;
const MAX_PENDING = 500;
const ROUNDS = 5;
const BURST = 3 * MAX_PENDING;
const BEFORE = 200;
const AFTER = 200;

jest.setTimeout(180_000);

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

describe('Redis down during publishes', () => {
  const record = recordRedis();
  let redis: OwnedRedis | undefined;
  let ledger: Ledger | undefined;
  let app: BusApp | undefined;

  afterEach(async () => {
    await app?.close();
    await ledger?.close();
    await redis?.stop();
    app = ledger = redis = undefined;
  });

  it('publishes time out or are refused at once, memory stays bounded, and the same app recovers when Redis is back', async () => {
    redis = await OwnedRedis.start();
    const prefix = freshPrefix();
    ledger = await Ledger.open(record.url, prefix);
    const books = ledger;
    const logger = new MemoryLogger();
    process.env.REDIS_URL = redis.url;
    process.env.BUS_PREFIX = prefix; // where the handlers, in this process, record their runs
    app = await createBusApp({
      imports: [FaultHandlersModule],
      prefix,
      logger,
      bus: {
        connection: redis.url,
        role: 'both',
        publishTimeout: PUBLISH_TIMEOUT,
        maxPendingPublishes: MAX_PENDING,
        worker: WORKER_OPTIONS,
      },
    });
    const bus = app.bus;
    let next = 0;
    const entry = () => new FaultEntry(`e${next}`, `k${next % 10}`, next++);
    const publishSome = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const event = entry();
        await publishSurely(bus, event);
        books.add(event);
      }
    };

    await publishSome(BEFORE);
    await ledger.allHandled(60_000);

    await redis.kill();
    await logger.logged('Redis (publishing connection):', 30_000);

    // Rounds of bursts while Redis is down: the first MAX_PENDING wait and time out, the rest are refused at once.
    const refusedIds = new Set<string>();
    let timeouts = 0;
    let full = 0;
    let maxWaitedMs = 0;
    const written = new Set<string>();
    let refusalsBeforeTimeouts = true;
    const rss: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let timedOutSoFar = 0;
      const outcomes = await Promise.all(
        Array.from({ length: BURST }, () => {
          const event = entry();
          refusedIds.add(event.id);
          return bus.publish(event).then(
            () => 'resolved',
            (error: unknown) => {
              if (error instanceof PublishTimeoutError) {
                timedOutSoFar++;
                maxWaitedMs = Math.max(maxWaitedMs, error.waitedMs);
                written.add(error.written);
                return 'timeout';
              }
              if (error instanceof PublishQueueFullError) {
                if (timedOutSoFar > 0) refusalsBeforeTimeouts = false;
                return 'full';
              }
              return `other: ${String(error)}`;
            },
          );
        }),
      );
      timeouts += outcomes.filter((o) => o === 'timeout').length;
      full += outcomes.filter((o) => o === 'full').length;
      expect(outcomes.filter((o) => o !== 'timeout' && o !== 'full')).toEqual([]);
      expect(outcomes.filter((o) => o === 'timeout')).toHaveLength(MAX_PENDING);
      rss.push(process.memoryUsage().rss);
    }

    await redis.restart();
    const back = performance.now();
    const first = entry();
    const tries = await publishSurely(bus, first);
    books.add(first);
    const firstPublishMs = performance.now() - back;
    await publishSome(AFTER - 1);
    await ledger.settle(120_000);
    const recoveredMs = performance.now() - back;

    const tally = await ledger.total();
    const refusedHandled = (await ledger.entries()).filter((run) => refusedIds.has(run.id)).length;
    faultLine(
      'redis-down',
      tally,
      recoveredMs,
      `publishTimeout=${PUBLISH_TIMEOUT} maxPendingPublishes=${MAX_PENDING} bursts=${ROUNDS}x${BURST} ` +
        `timeouts=${timeouts} refused_at_once=${full} max_waited_ms=${maxWaitedMs} written=${[...written].join('/')} ` +
        `refused_handled=${refusedHandled} rss_mb=${rss.map(mb).join(',')} first_publish_after_ms=${Math.round(firstPublishMs)} ` +
        `first_publish_tries=${tries} ${describeWorkerOptions()}`,
    );
    expect(refusalsBeforeTimeouts).toBe(true); // refused at once: settled before any held publish timed out
    expect(maxWaitedMs).toBeGreaterThanOrEqual(PUBLISH_TIMEOUT);
    expect([...written]).toEqual(['no']);
    expect(refusedHandled).toBe(0);
    expect(mb(Math.max(...rss) - rss[0]!)).toBeLessThan(100);
    expect({ lost: tally.lost, violations: tally.violations }).toEqual({ lost: 0, violations: 0 });
  });
});
