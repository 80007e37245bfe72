import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  BusEvent,
  EventBusOutbox,
  EventEncodingError,
  OnEvent,
  OnEventAsync,
  OnEventBroadcast,
} from 'nestjs-durable-bus';
import { redisUrl } from '../support/bus-app';
import { Recorder } from '../support/deferred';
import { freshDatabase, query } from '../support/postgres';
import { createTransactionalApp, Db, Orm, ORMS, TransactionalApp } from './support/transactional-app';

@BusEvent('tx.order-placed')
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

/** What the async handler saw: whether the order it was told about was there (committed) when it looked. */
const shipped = new Recorder<{ orderId: string; found: boolean }>();
/** Events this node heard of through broadcast. */
const broadcasted = new Recorder<string>();
/** Whether each sync handler call ran inside the publisher's transaction. */
const audited = new Recorder<{ orderId: string; inTransaction: boolean }>();

@Injectable()
class OrderHandlers {
  constructor(private readonly db: Db) {}

  @OnEvent(OrderPlaced)
  async audit(event: OrderPlaced) {
    audited.push({ orderId: event.orderId, inTransaction: this.db.inTransaction });
    await this.db.query('INSERT INTO audit (order_id) VALUES ($1)', [event.orderId]);
  }

  @OnEventBroadcast(OrderPlaced)
  heard(event: OrderPlaced) {
    broadcasted.push(event.orderId);
  }

  @OnEventAsync(OrderPlaced, { id: 'tx.ship', attempts: 1 })
  async ship(event: OrderPlaced) {
    const rows = await this.db.query('SELECT id FROM orders WHERE id = $1', [event.orderId]);
    shipped.push({ orderId: event.orderId, found: rows.length === 1 });
  }
}

const SCHEMA = ['CREATE TABLE orders (id text PRIMARY KEY)', 'CREATE TABLE audit (order_id text NOT NULL)'];

/** Places an order in a transaction: inserts the row, publishes, inserts more (the publish is not the last step). */
async function placeOrder(db: Db, bus: TransactionalApp['bus'], orderId: string, fail = false) {
  return db.transaction(async () => {
    const receipt = await bus.publish(new OrderPlaced(orderId));
    await db.query('INSERT INTO orders (id) VALUES ($1)', [orderId]);
    await db.query('SELECT pg_sleep(0.05)'); // long enough for a job written at publish to be handled before the commit
    if (fail) throw new Error(`order ${orderId} refused`);
    return receipt;
  });
}

type Mode = { orm: Orm; outbox: boolean };
const MODES: Mode[] = ORMS.flatMap((orm) => [
  { orm, outbox: false },
  { orm, outbox: true },
]);

describe.each(MODES)('transactions ($orm, outbox: $outbox)', ({ orm, outbox }) => {
  let url: string;
  let app: TransactionalApp;
  const queues: Queue[] = [];
  const queueOf = (name: string) => {
    const queue = new Queue(name, { connection: { url: redisUrl() }, prefix: app.prefix });
    queues.push(queue);
    return queue;
  };

  beforeEach(async () => {
    shipped.values.length = 0;
    audited.values.length = 0;
    broadcasted.values.length = 0;
    url = await freshDatabase(...SCHEMA);
    app = await createTransactionalApp({
      orm,
      databaseUrl: url,
      outbox: outbox ? { pollInterval: 60_000 } : false,
      providers: [OrderHandlers],
    });
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  test('rollback: no async handling and no broadcast at all, and the sync handler write rolls back with the publisher', async () => {
    let jobId: string | undefined;
    await expect(
      app.db.transaction(async () => {
        const receipt = await app.bus.publish(new OrderPlaced('rolled-back'));
        jobId = receipt.jobs[0]!.jobId;
        await app.db.query('INSERT INTO orders (id) VALUES ($1)', ['rolled-back']);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(audited.values).toEqual([{ orderId: 'rolled-back', inTransaction: true }]);

    // A later event to the same handler is handled, and the rolled-back one never is.
    await app.bus.publish(new OrderPlaced('marker'));
    await shipped.until((values) => values.some((value) => value.orderId === 'marker'), 'the marker event');
    await app.drain();
    expect(shipped.values.map((value) => value.orderId)).toEqual(['marker']);
    expect(await queueOf('tx.ship').getJob(jobId!)).toBeUndefined();
    // Broadcasts wait for the commit too: the rolled-back event was never announced (it would have come first).
    await broadcasted.until((values) => values.includes('marker'), 'the marker broadcast');
    expect(broadcasted.values).toEqual(['marker']);
    expect(await query(url, 'SELECT * FROM orders')).toEqual([]);
    expect(await query(url, 'SELECT order_id FROM audit')).toEqual([{ order_id: 'marker' }]);
    expect(await query(url, 'SELECT job_id FROM durable_bus_outbox')).toEqual([]);
  });

  test('an event over maxPayloadBytes is refused inside the transaction: no sync handler, no outbox row, no job', async () => {
    const error = await app.db
      .transaction(async () => {
        await app.db.query('INSERT INTO orders (id) VALUES ($1)', ['big']);
        return app.bus.publish(new OrderPlaced('x'.repeat(1_048_576)));
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventEncodingError);
    expect((error as EventEncodingError).size?.limit).toBe(1_048_576);
    expect(audited.values).toEqual([]);
    expect(await query(url, 'SELECT job_id FROM durable_bus_outbox')).toEqual([]);
    const counts = Object.values(await queueOf('tx.ship').getJobCounts());
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(0);
    // The refusal rejected the transaction's callback, so the transaction rolled back.
    expect(await query(url, 'SELECT * FROM orders')).toEqual([]);
  });

  test('commit: the sync handler wrote in the same transaction, the async handler runs once', async () => {
    const receipt = await placeOrder(app.db, app.bus, 'o-1');
    expect(audited.values).toEqual([{ orderId: 'o-1', inTransaction: true }]);
    await shipped.count(1);
    await app.drain();
    expect(shipped.values).toEqual([{ orderId: 'o-1', found: true }]);
    expect(await query(url, 'SELECT order_id FROM audit')).toEqual([{ order_id: 'o-1' }]);
    const job = await queueOf('tx.ship').getJob(receipt.jobs[0]!.jobId);
    expect(job?.data).toMatchObject({ event: 'tx.order-placed', payload: { orderId: 'o-1' } });
    const rows = await query<{ job_id: string }>(url, 'SELECT job_id FROM durable_bus_outbox');
    expect(rows.map((row) => row.job_id)).toEqual(outbox ? [receipt.jobs[0]!.jobId] : []);
  });

  test('an async handler always finds the row it was told about committed (50 transactions)', async () => {
    const ids = Array.from({ length: 50 }, (_, index) => `o-${index}`);
    await Promise.all(ids.map((id) => placeOrder(app.db, app.bus, id)));
    await shipped.count(50);
    await app.drain();
    expect(shipped.values.filter((value) => !value.found)).toEqual([]);
    expect(shipped.values.map((value) => value.orderId).sort()).toEqual([...ids].sort());
  });

  test('a nested transaction that rolls back drops its events; the outer commit delivers the rest', async () => {
    await app.db.transaction(async () => {
      await app.bus.publish(new OrderPlaced('outer'));
      await app.db.query('INSERT INTO orders (id) VALUES ($1)', ['outer']);
      await expect(
        app.db.nested(async () => {
          await app.bus.publish(new OrderPlaced('inner-failed'));
          throw new Error('savepoint rolled back');
        }),
      ).rejects.toThrow('savepoint rolled back');
      await app.db.nested(async () => {
        await app.bus.publish(new OrderPlaced('inner-ok'));
        await app.db.query('INSERT INTO orders (id) VALUES ($1)', ['inner-ok']);
      });
    });
    await shipped.count(2);
    await app.drain();
    expect(shipped.values.map((value) => value.orderId).sort()).toEqual(['inner-ok', 'outer']);
    expect(shipped.values.every((value) => value.found)).toBe(true);
  });

  test('outside a transaction, publish writes the job at once, as before', async () => {
    const receipt = await app.bus.publish(new OrderPlaced('no-tx'));
    expect(await queueOf('tx.ship').getJob(receipt.jobs[0]!.jobId)).toBeDefined();
    expect(await query(url, 'SELECT job_id FROM durable_bus_outbox')).toEqual([]);
    expect(app.app.get(EventBusOutbox).enabled).toBe(outbox);
    await shipped.count(1);
  });
});
