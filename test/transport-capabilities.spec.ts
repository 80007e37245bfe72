import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BusEvent, EventBusModule, OnEventAsync, OnEventBroadcast, ParkedKey, ReleaseMode } from 'nestjs-durable-bus';
import { ConsumerSpec, EventTransport, LaneGroup, OutgoingJob } from 'nestjs-durable-bus/transport';
import { BullMqTransport } from 'nestjs-durable-bus/bullmq';
import { EventBusDashboardModule } from 'nestjs-durable-bus/dashboard';
import { DrainTimeoutError, EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';
import { createBusApp, freshPrefix, redisUrl } from './support/bus-app';
import { deferred, Recorder } from './support/deferred';
import { basicAuth, CREDENTIALS, EXPECTED_QUEUES, ShopHandlers } from './dashboard/dashboard-app';

setupEventBusTesting();

type Capability = 'openBroadcastChannel' | 'pendingJobs' | 'brokerQueue';

/**
 * A third-party transport: not a BullMqTransport (it only holds one), so the bus sees nothing but the port. It
 * forwards the required methods and only the optional capabilities it is given.
 */
class PortOnlyTransport implements EventTransport {
  readonly name = 'port-only';
  openBroadcastChannel?: EventTransport['openBroadcastChannel'];
  pendingJobs?: EventTransport['pendingJobs'];
  brokerQueue?: EventTransport['brokerQueue'];

  constructor(
    private readonly inner: BullMqTransport,
    capabilities: readonly Capability[],
  ) {
    if (capabilities.includes('openBroadcastChannel')) {
      this.openBroadcastChannel = (onError) => inner.openBroadcastChannel(onError);
    }
    if (capabilities.includes('pendingJobs')) this.pendingJobs = (queues) => inner.pendingJobs(queues);
    if (capabilities.includes('brokerQueue')) this.brokerQueue = (name) => inner.brokerQueue(name);
  }

  dispatch(jobs: readonly OutgoingJob[]): Promise<void> {
    return this.inner.dispatch(jobs);
  }
  startConsumers(consumers: readonly ConsumerSpec[]): Promise<void> {
    return this.inner.startConsumers(consumers);
  }
  stopConsumers(timeoutMs: number): Promise<void> {
    return this.inner.stopConsumers(timeoutMs);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  prepareLanes(groups: readonly LaneGroup[]): Promise<void> {
    return this.inner.prepareLanes(groups);
  }
  listParked(groups: readonly LaneGroup[]): Promise<ParkedKey[]> {
    return this.inner.listParked(groups);
  }
  releaseParked(group: string, queue: string, key: string, mode: ReleaseMode): Promise<void> {
    return this.inner.releaseParked(group, queue, key, mode);
  }
}

function portOnly(prefix: string, capabilities: readonly Capability[]): PortOnlyTransport {
  return new PortOnlyTransport(new BullMqTransport({ connection: redisUrl(), prefix }), capabilities);
}

@BusEvent('capabilities.report-filed')
class ReportFiled {
  constructor(readonly id: string) {}
}

const started = { signal: deferred() };
const gate = { open: deferred() };

@Injectable()
class SlowArchive {
  @OnEventAsync(ReportFiled, { id: 'capabilities.archive', attempts: 1 })
  async archive() {
    started.signal.resolve();
    await gate.open.promise;
  }
}

const broadcasts = new Recorder<string>();

@Injectable()
class Screens {
  @OnEventBroadcast(ReportFiled)
  show(event: ReportFiled) {
    broadcasts.push(event.id);
  }
}

describe('a third-party transport, through the optional capabilities of the port', () => {
  it('drain counts its jobs with pendingJobs: waits for them, and lists them when it gives up', async () => {
    started.signal = deferred();
    gate.open = deferred();
    const prefix = freshPrefix();
    const kit = await EventBusTestingModule.create({
      providers: [SlowArchive],
      transport: 'app',
      bus: { transport: portOnly(prefix, ['pendingJobs']), prefix },
    });

    await kit.bus.publish(new ReportFiled('r-1'));
    await started.signal.promise;

    const drained = kit.drain({ timeoutMs: 200 });
    await expect(drained).rejects.toBeInstanceOf(DrainTimeoutError);
    await expect(drained).rejects.toThrow('  capabilities.archive: waiting 0, active 1, delayed 0, prioritized 0\n');
    gate.open.resolve();
    await kit.drain();
  });

  it('broadcasts reach the other node through its openBroadcastChannel, and stay in the process without it', async () => {
    broadcasts.values.length = 0;
    const prefix = freshPrefix();
    const bus = (capabilities: readonly Capability[]) => ({ transport: portOnly(prefix, capabilities), prefix });
    const publisher = await createBusApp({ prefix, bus: bus(['openBroadcastChannel']), providers: [Screens] });
    await createBusApp({ prefix, bus: bus(['openBroadcastChannel']), providers: [Screens] });
    const local = await createBusApp({ prefix, bus: bus([]), providers: [Screens] });

    await publisher.bus.publish(new ReportFiled('r-2'));
    await broadcasts.until((ids) => ids.length >= 2, 'the broadcast on both relay nodes');
    await local.bus.publish(new ReportFiled('r-3'));
    await broadcasts.until((ids) => ids.includes('r-3'), 'the local broadcast');

    expect(broadcasts.values.filter((id) => id === 'r-2')).toHaveLength(2);
    expect(broadcasts.values.filter((id) => id === 'r-3')).toHaveLength(1);
  });

  it('the dashboard shows its queues through brokerQueue, and stays empty without it', async () => {
    const apps: INestApplication[] = [];
    const boardQueues = async (capabilities: readonly Capability[]): Promise<string[]> => {
      const prefix = freshPrefix();
      const moduleRef = await Test.createTestingModule({
        imports: [
          EventBusModule.forRoot({ transport: portOnly(prefix, capabilities), prefix, role: 'publisher' }),
          EventBusDashboardModule.forRoot({ auth: CREDENTIALS }),
        ],
        providers: [ShopHandlers],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      apps.push(app);
      await app.listen(0, '127.0.0.1');
      const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
      const response = await fetch(`http://127.0.0.1:${port}/queues/api/queues?activeQueue=&status=waiting`, {
        headers: { authorization: basicAuth(CREDENTIALS.username, CREDENTIALS.password) },
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { queues: { name: string }[] }).queues.map((queue) => queue.name).sort();
    };

    try {
      expect(await boardQueues(['brokerQueue'])).toEqual([...EXPECTED_QUEUES].sort());
      expect(await boardQueues([])).toEqual([]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
