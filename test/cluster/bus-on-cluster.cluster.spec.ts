import { Injectable } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { BusEvent, EventBusModuleOptions, OnEventAsync, OnEventBroadcast } from 'nestjs-durable-bus';
import { createBusApp, freshPrefix } from '../support/bus-app';
import { Recorder } from '../support/deferred';
import { freshDatabase } from '../support/postgres';
import { createTransactionalApp } from '../transactions/support/transactional-app';
import {
  clusterClient,
  clusterConnection,
  clusterNodes,
  keysMatching,
  masterOf,
  queueKey,
} from './support/cluster-app';

@BusEvent('cluster.order-placed')
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

@BusEvent('cluster.stock-counted')
class StockCounted {
  constructor(readonly sku: string) {}
}

@BusEvent('cluster.account-posted', { partitionKey: 'accountId' })
class AccountPosted {
  constructor(
    readonly accountId: string,
    readonly seq: number,
  ) {}
}

const ORDER_HANDLERS = ['cluster.billing', 'cluster.shipping', 'cluster.audit', 'cluster.mail'];
const handled = new Recorder<{ handler: string; id: string }>();

@Injectable()
class OrderHandlers {
  @OnEventAsync(OrderPlaced, { id: 'cluster.billing' })
  billing(event: OrderPlaced) {
    handled.push({ handler: 'cluster.billing', id: event.orderId });
  }
  @OnEventAsync(OrderPlaced, { id: 'cluster.shipping' })
  shipping(event: OrderPlaced) {
    handled.push({ handler: 'cluster.shipping', id: event.orderId });
  }
  @OnEventAsync(OrderPlaced, { id: 'cluster.audit' })
  audit(event: OrderPlaced) {
    handled.push({ handler: 'cluster.audit', id: event.orderId });
  }
  @OnEventAsync(OrderPlaced, { id: 'cluster.mail' })
  mail(event: OrderPlaced) {
    handled.push({ handler: 'cluster.mail', id: event.orderId });
  }
  @OnEventAsync(StockCounted, { id: 'cluster.stock' })
  stock(event: StockCounted) {
    handled.push({ handler: 'cluster.stock', id: event.sku });
  }
}

const posted = new Recorder<{ accountId: string; seq: number }>();
const failedOnce = new Set<string>();

@Injectable()
class Ledger {
  @OnEventAsync(AccountPosted, { id: 'cluster.ledger', lanes: 8, attempts: 3, backoff: { type: 'fixed', delay: 5 } })
  post(event: AccountPosted) {
    const id = `${event.accountId}/${event.seq}`;
    // Every key's third event fails once: retried in place, its key's later events wait.
    if (event.seq === 2 && !failedOnce.has(id)) {
      failedOnce.add(id);
      throw new Error(`ledger busy for ${id}`);
    }
    posted.push({ accountId: event.accountId, seq: event.seq });
  }
}

const pushed = new Recorder<{ node: string; sku: string }>();

function pusher(node: string) {
  @Injectable()
  class StockPushes {
    @OnEventBroadcast(StockCounted, { id: 'cluster.push' })
    push(event: StockCounted) {
      pushed.push({ node, sku: event.sku });
    }
  }
  return StockPushes;
}

function onCluster(bus: EventBusModuleOptions = {}): EventBusModuleOptions {
  return { connection: clusterConnection(), ...bus };
}

/** The distinct masters serving the queues' keys. */
function mastersOf(client: Cluster, prefix: string, queues: readonly string[]): Set<string> {
  return new Set(queues.map((queue) => masterOf(client, queueKey(prefix, queue))));
}

function seqsOf(accountId: string): number[] {
  return posted.values.filter((value) => value.accountId === accountId).map((value) => value.seq);
}

beforeEach(() => {
  handled.values.length = 0;
  posted.values.length = 0;
  pushed.values.length = 0;
  failedOnce.clear();
});

describe('the bus on a Redis Cluster (three masters)', () => {
  it('async handlers: a publish whose jobs span slots on several masters is written (one MULTI per slot) and handled', async () => {
    const { bus, prefix } = await createBusApp({ providers: [OrderHandlers], bus: onCluster() });
    const client = await clusterClient();
    expect(mastersOf(client, prefix, ORDER_HANDLERS).size).toBeGreaterThan(1);

    const receipt = await bus.publish(new OrderPlaced('o-1'));

    expect(receipt.jobs.map((job) => job.handlerId)).toEqual(ORDER_HANDLERS);
    await handled.count(4);
    expect(handled.values.map((value) => value.handler).sort()).toEqual([...ORDER_HANDLERS].sort());
    // Concurrent publishes, merged by the write batcher into flushes that span every slot: each handled once.
    await Promise.all(Array.from({ length: 50 }, (_, i) => bus.publish(new OrderPlaced(`o-${i + 2}`))));
    await handled.count(4 + 50 * 4, 20_000);
    const perHandler = new Map<string, Set<string>>();
    for (const { handler, id } of handled.values)
      perHandler.set(handler, (perHandler.get(handler) ?? new Set()).add(id));
    for (const handler of ORDER_HANDLERS) expect(perHandler.get(handler)?.size).toBe(51);
    expect(handled.values).toHaveLength(4 * 51);
  });

  it('publishes batched together keep their own outcome when one slot refuses its jobs; a retry writes only what is missing', async () => {
    const { bus, prefix } = await createBusApp({ providers: [OrderHandlers], bus: onCluster({ role: 'publisher' }) });
    const client = await clusterClient();
    // A key of the mail queue that is not the hash BullMQ expects: its add script fails (WRONGTYPE), so the mail
    // queue's slot refuses the job while the other slots take theirs.
    const metaKey = `${queueKey(prefix, 'cluster.mail')}meta`;
    await client.set(metaKey, 'not a hash');
    const order = new OrderPlaced('o-partial');

    const [orderOutcome, stockOutcome] = await Promise.allSettled([
      bus.publish(order),
      bus.publish(new StockCounted('sku-1')),
    ]);

    expect(orderOutcome).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/WRONGTYPE/) } });
    expect(stockOutcome.status).toBe('fulfilled');
    const jobKey = (handler: string, eventId: string) => `${queueKey(prefix, handler)}${eventId}.${handler}`;
    const eventId = (await keysMatching(client, `${queueKey(prefix, 'cluster.billing')}*.cluster.billing`))[0]!
      .split(':')
      .pop()!
      .replace('.cluster.billing', '');
    for (const handler of ['cluster.billing', 'cluster.shipping', 'cluster.audit']) {
      expect(await client.exists(jobKey(handler, eventId))).toBe(1);
    }
    expect(await client.exists(jobKey('cluster.mail', eventId))).toBe(0);

    // Publishing the same instance again is the retry: deterministic job ids make the jobs already written no-ops.
    await client.del(metaKey);
    const retried = await bus.publish(order);
    expect(retried.eventId).toBe(eventId);
    for (const handler of ORDER_HANDLERS) {
      expect(await client.exists(jobKey(handler, eventId))).toBe(1);
      expect(await client.llen(`${queueKey(prefix, handler)}wait`)).toBe(1);
    }
  });

  it("ordering: a partitioned handler's lanes spread over the masters and keep every key's order, retries in place", async () => {
    const { bus, prefix } = await createBusApp({ providers: [Ledger], bus: onCluster() });
    const client = await clusterClient();
    const lanes = Array.from({ length: 8 }, (_, lane) => `{cluster.ledger.lane-${lane}}`);
    expect(mastersOf(client, prefix, lanes).size).toBeGreaterThan(1);
    const keys = 24;
    const perKey = 10;

    // Keys in parallel, each key's events in order (one publish after another).
    await Promise.all(
      Array.from({ length: keys }, async (_, key) => {
        for (let seq = 0; seq < perKey; seq++) await bus.publish(new AccountPosted(`a${key}`, seq));
      }),
    );

    await posted.count(keys * perKey, 30_000);
    for (let key = 0; key < keys; key++) {
      expect(seqsOf(`a${key}`)).toEqual(Array.from({ length: perKey }, (_, seq) => seq));
    }
    expect(failedOnce.size).toBe(keys);
    // Every lane that got keys holds its jobs on its own slot's master.
    const used = new Set<string>();
    for (const lane of lanes) if ((await keysMatching(client, `${queueKey(prefix, lane)}*`)).length > 0) used.add(lane);
    expect(mastersOf(client, prefix, [...used]).size).toBeGreaterThan(1);
  });

  it('the outbox relay moves committed events from PostgreSQL to the queues on the cluster', async () => {
    const app = await createTransactionalApp({
      orm: 'typeorm',
      databaseUrl: await freshDatabase(),
      connection: clusterConnection(),
      outbox: { pollInterval: 60_000 },
      providers: [Ledger],
    });

    for (let seq = 0; seq < 5; seq++) {
      await app.db.transaction(() => app.bus.publish(new AccountPosted('a-outbox', seq)));
    }

    await posted.count(5, 20_000);
    expect(seqsOf('a-outbox')).toEqual([0, 1, 2, 3, 4]);
    expect(await app.outbox.relay!.drain()).toBe(0);
    expect(app.outbox.relay!.stats().relayed).toBe(5);
  });

  it('broadcasts reach every node of the fleet', async () => {
    const prefix = freshPrefix();
    const a = await createBusApp({ prefix, providers: [pusher('a')], bus: onCluster() });
    await createBusApp({ prefix, providers: [pusher('b')], bus: onCluster() });

    await a.bus.publish(new StockCounted('sku-9'));

    await pushed.until(
      (values) => ['a', 'b'].every((node) => values.some((value) => value.node === node && value.sku === 'sku-9')),
      'the broadcast on nodes a and b',
    );
  });

  it('an ioredis Cluster the app owns works as the connection, and is left open at shutdown', async () => {
    const owned = new Cluster(clusterNodes());
    const app = await createBusApp({ providers: [OrderHandlers], bus: { connection: owned } });

    await app.bus.publish(new StockCounted('sku-owned'));
    await handled.until((values) => values.some((value) => value.id === 'sku-owned'), 'the job handled');
    await app.close();

    expect(await owned.ping()).toBe('PONG');
    await owned.quit();
  });
});
