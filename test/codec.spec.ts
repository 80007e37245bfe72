import { Injectable } from '@nestjs/common';
import { BusEvent, EventEncodingError, OnEvent, OnEventAsync } from 'nestjs-durable-bus';
import { EventCodec } from '../libs/event-bus/src/codec/event-codec';
import { laneOf, laneQueueName, EventJobData, jobIdOf } from 'nestjs-durable-bus/transport';
import { Decimal, decimalType } from './fixtures/decimal';
import { Customer, OrderLine, OrderPlaced, sampleOrder } from './fixtures/orders.events';
import { createBusApp, redisClient } from './support/bus-app';
import { monitorRedis, touching } from './support/redis-monitor';
import { Recorder } from './support/deferred';
import './support/equality';

const received = new Recorder<unknown>();
const syncCalls: string[] = [];

@BusEvent('test.payload-carrier')
class PayloadCarrier {
  constructor(readonly value: unknown) {}
}

class NotRegistered {
  constructor(readonly x = 1) {}
}

@Injectable()
class Handlers {
  @OnEventAsync(OrderPlaced, { id: 'codec.order-placed' })
  async onOrder(event: OrderPlaced) {
    received.push(event);
  }

  @OnEvent(PayloadCarrier)
  syncCarrier() {
    syncCalls.push('sync');
  }

  @OnEventAsync(PayloadCarrier, { id: 'codec.carrier' })
  async onCarrier(event: PayloadCarrier) {
    received.push(event);
  }
}

describe('codec', () => {
  beforeEach(() => {
    received.values.length = 0;
    syncCalls.length = 0;
  });

  it('an async handler receives an instance deep-equal to what was published: nested classes, Date, BigInt, Map, Set, undefined, value types', async () => {
    const { bus } = await createBusApp({ providers: [Handlers], bus: { valueTypes: [decimalType] } });
    const published = sampleOrder();

    await bus.publish(published);
    const event = (await received.count(1))[0] as OrderPlaced;

    expect(event).not.toBe(published);
    expect(event).toBeInstanceOf(OrderPlaced);
    expect(event).toStrictEqual(published);
    expect(event.customer).toBeInstanceOf(Customer);
    expect(event.lines[0]).toBeInstanceOf(OrderLine);
    expect(event.lines[0]!.total.toString()).toBe('25.00');
    expect(event.total).toBeInstanceOf(Decimal);
    expect(event.total.toString()).toBe('25.99');
    expect(event.placedAt).toBeInstanceOf(Date);
    expect(event.sequence).toBe(9007199254740993n);
    expect(event.tags).toEqual(new Set(['gift', 'express']));
    expect(event.attributes.get('weight')).toBe(1.5);
    expect('note' in event).toBe(true);
    expect(event.note).toBeUndefined();
  });

  it('job data in Redis is readable JSON: the event fields are plain values under payload', async () => {
    const { bus, prefix } = await createBusApp({
      providers: [Handlers],
      bus: { valueTypes: [decimalType], role: 'publisher' },
    });

    const receipt = await bus.publish(sampleOrder('o-42'));

    const jobId = jobIdOf(receipt.eventId, 'codec.order-placed');
    // OrderPlaced has a partition key, so its job sits in the key's lane.
    const lane = laneQueueName('codec.order-placed', laneOf('o-42', 8));
    const raw = await redisClient().hget(`${prefix}:${lane}:${jobId}`, 'data');
    const data = JSON.parse(raw!) as EventJobData;
    expect(data).toMatchObject({
      event: 'test.order-placed',
      version: 1,
      id: receipt.eventId,
      handler: 'codec.order-placed',
      partitionKey: 'o-42',
      causationId: null,
      correlationId: receipt.eventId,
      payload: {
        orderId: 'o-42',
        customer: { id: 'c-7', name: 'Ada', vip: true },
        lines: [
          { sku: 'sku-1', quantity: 2, price: '12.50' },
          { sku: 'sku-2', quantity: 1, price: '0.99' },
        ],
        total: '25.99',
        placedAt: '2026-11-23T10:00:00.000Z',
        sequence: '9007199254740993',
        tags: ['gift', 'express'],
        attributes: [['weight', 1.5]],
      },
    });
    expect(new Date(data.occurredAt).toISOString()).toBe(data.occurredAt);
  });

  it.each([
    ['a function', { handler: () => 1 }, 'value.handler', 'is a function'],
    ['a symbol', { kind: Symbol('x') }, 'value.kind', 'is a symbol'],
    [
      'a cycle',
      (() => {
        const node: Record<string, unknown> = { id: 1 };
        node.self = { parent: node };
        return node;
      })(),
      'value.self.parent',
      'cycle',
    ],
    ['an unregistered class instance', { nested: [new NotRegistered()] }, 'value.nested[0]', 'NotRegistered'],
    ['an Error', { failure: new TypeError('x') }, 'value.failure', 'TypeError'],
    ['a function inside a Map', new Map([['k', () => 1]]), 'value.get("k")', 'is a function'],
  ])(
    'publish refuses %s with an error naming the event and field, before anything is written',
    async (_, value, path, reason) => {
      const { bus, prefix } = await createBusApp({ providers: [Handlers], bus: { role: 'publisher' } });
      const monitor = await monitorRedis();

      const error = await bus.publish(new PayloadCarrier(value)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EventEncodingError);
      expect((error as EventEncodingError).eventName).toBe('test.payload-carrier');
      expect((error as EventEncodingError).path).toBe(path);
      expect((error as Error).message).toContain('"test.payload-carrier"');
      expect((error as Error).message).toContain(`"${path}"`);
      expect((error as Error).message).toContain(reason);
      expect(syncCalls).toEqual([]);
      expect(touching(await monitor.stop(), prefix)).toEqual([]);
    },
  );

  it('a value type that is not registered is refused too (it would arrive as a plain object)', () => {
    const codec = new EventCodec(new Map(), []);
    expect(() => codec.encode('x', { total: Decimal.of('1.00') })).toThrow(/field "total" is an instance of Decimal/);
    const withType = new EventCodec(new Map(), [decimalType]);
    const encoded = withType.encode('x', { total: Decimal.of('1.00') });
    expect(encoded.json).toEqual({ total: '1.00' });
  });

  it('two classes claiming one wire name are refused when the codec is built', () => {
    class A {}
    class B {}
    expect(() => new EventCodec(new Map([['dup', new Set([A, B])]]))).toThrow(
      'Wire name "dup" is declared by more than one class (A, B)',
    );
  });
});
