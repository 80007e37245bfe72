import { RedisServer, startRedisServer } from '../../../tools/local-redis';
import { BusApp, MemoryLogger, createBusApp, freshPrefix } from '../../support/bus-app';
import { Child, runTs } from '../../support/child-process';
import { FaultEntry, FaultHandlersModule, PLAIN } from './fault.handlers';
import { OwnedRedis, WORKER_OPTIONS, publishSurely } from './fault-servers';
import { Ledger } from './ledger';

/** What a stream scenario runs on: a Redis it owns, worker processes, a publisher app here, and the ledger. */
export interface FaultStream {
  readonly redis: OwnedRedis;
  readonly ledger: Ledger;
  readonly workers: Child[];
  readonly publisher: BusApp;
  readonly prefix: string;
  /** Starts one more worker process (resolves once it is ready). */
  addWorker(): Promise<Child>;
  /**
   * Publishes `events` events over `streams` concurrent publishers, each with keys of its own (so every key has one
   * publish order), each publish retried while it fails for an outage, and at most `ahead` events published and not
   * yet handled (a stream, not a burst). Resolves with the retries made.
   */
  publish(options: { events: number; streams?: number; keysPerStream?: number; ahead?: number }): Promise<number>;
  close(): Promise<void>;
}

/** The record Redis (never faulted) of a spec file: started before its tests, stopped after. */
export function recordRedis(): { readonly url: string } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    process.env.RECORD_URL = server.url;
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url() {
      return server!.url;
    },
  };
}

/** Starts a stream scenario: a fresh Redis of its own (AOF), `workers` worker processes, a publisher. */
export async function startFaultStream(recordUrl: string, options: { workers?: number } = {}): Promise<FaultStream> {
  const redis = await OwnedRedis.start();
  const prefix = freshPrefix();
  const ledger = await Ledger.open(recordUrl, prefix);
  const workers: Child[] = [];
  const addWorker = async () => {
    const worker = runTs('test/faults/support/fault-worker.ts', [], {
      REDIS_URL: redis.url,
      RECORD_URL: recordUrl,
      BUS_PREFIX: prefix,
      FAULT_WORKER: JSON.stringify(WORKER_OPTIONS),
    });
    workers.push(worker);
    await worker.printed('worker ready', 60_000);
    return worker;
  };
  let publisher: BusApp | undefined;
  try {
    await Promise.all(Array.from({ length: options.workers ?? 1 }, addWorker));
    process.env.REDIS_URL = redis.url; // what createBusApp's queue handles connect to
    publisher = await createBusApp({
      imports: [FaultHandlersModule],
      prefix,
      logger: new MemoryLogger(),
      bus: { connection: redis.url, role: 'publisher', publishTimeout: 1_000 },
    });
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await ledger.close();
    await redis.stop();
    throw error;
  }
  const bus = publisher.bus;
  return {
    redis,
    ledger,
    workers,
    publisher,
    prefix,
    addWorker,
    publish: async ({ events, streams = 4, keysPerStream = 5, ahead = 40 }) => {
      let retries = 0;
      await Promise.all(
        Array.from({ length: streams }, async (_, stream) => {
          const seqs = new Map<string, number>();
          for (let i = stream; i < events; i += streams) {
            const key = `s${stream}-k${Math.floor(i / streams) % keysPerStream}`;
            const seq = seqs.get(key) ?? 0;
            seqs.set(key, seq + 1);
            const event = new FaultEntry(`e${i}`, key, seq);
            retries += (await publishSurely(bus, event)) - 1;
            ledger.add(event);
            await ledger.keepUp(PLAIN, ahead, 120_000);
          }
        }),
      );
      return retries;
    },
    close: async () => {
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      await publisher?.close();
      await ledger.close();
      await redis.stop();
    },
  };
}
