import { describeWorkerOptions } from './support/fault-servers';
import { FaultStream, recordRedis, startFaultStream } from './support/fault-stream';
import { faultLine } from './support/ledger';

/**
 * A worker process SIGKILLed mid-stream, with jobs running: the other worker takes over its stalled jobs once their
 * locks expire, and finishes the stream. Jobs the killed worker had run but not yet marked completed run again
 * (at-least-once): counted as duplicates, allowed. Nothing is lost, per-key order holds.
 */
const EVENTS = 600;

jest.setTimeout(180_000);

describe('a worker process SIGKILLed mid-stream', () => {
  const record = recordRedis();
  let stream: FaultStream | undefined;

  afterEach(async () => {
    await stream?.close();
    stream = undefined;
  });

  it('another worker finishes the stream: nothing lost, key order kept, redeliveries counted', async () => {
    stream = await startFaultStream(record.url, { workers: 2 });
    const { ledger, workers } = stream;
    const [victim, survivor] = [workers[0]!, workers[1]!];
    const victimPid = victim.process.pid!;
    const publishing = stream.publish({ events: EVENTS });

    // Mid-stream, while the victim is busy: it has recorded a sixth of the runs.
    await ledger.until(
      (runs) => runs.filter((run) => run.pid === victimPid).length >= EVENTS / 6,
      'the victim worker to handle its share',
      60_000,
    );
    await victim.stop('SIGKILL');
    const killed = performance.now();
    const publishedAtKill = [...ledger.published.keys()];
    await ledger.settle(120_000, publishedAtKill);
    const recoveredMs = performance.now() - killed;

    await publishing;
    await ledger.settle(60_000);
    const tally = await ledger.total();
    const runs = await ledger.entries();
    const bySurvivor = runs.filter((run) => run.pid === survivor.process.pid).length;
    faultLine(
      'worker-sigkill',
      tally,
      recoveredMs,
      `handlers=plain+partitioned events=${EVENTS} victim_runs=${runs.length - bySurvivor} survivor_runs=${bySurvivor} ${describeWorkerOptions()}`,
    );
    expect(victim.process.signalCode).toBe('SIGKILL');
    expect(survivor.process.exitCode).toBeNull();
    expect({ lost: tally.lost, violations: tally.violations }).toEqual({ lost: 0, violations: 0 });
  });
});
