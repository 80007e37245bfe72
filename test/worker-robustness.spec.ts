import { Injectable } from '@nestjs/common';
import { BusEvent, OnEventAsync } from 'nestjs-durable-bus';
import { QueueEvents } from 'bullmq';
import { createBusApp, redisClient, redisUrl } from './support/bus-app';
import { Recorder, deferred, within } from './support/deferred';
import { waitForFinished } from './support/job-events';

@BusEvent('robust.parcel-shipped')
class ParcelShipped {
  constructor(readonly parcelId: string) {}
}

@BusEvent('robust.parcel-lost', { version: 1 })
class ParcelLost {
  constructor(readonly parcelId: string) {}
}

const handled = new Recorder<string>();

@Injectable()
class ShippingHandlers {
  @OnEventAsync(ParcelShipped, { id: 'shipping.track', attempts: 5, backoff: 1 })
  async track(event: ParcelShipped) {
    handled.push(event.parcelId);
  }

  @OnEventAsync(ParcelLost, { id: 'shipping.lost', attempts: 5, backoff: 1 })
  async lost(event: ParcelLost) {
    handled.push(`lost ${event.parcelId}`);
  }
}

const envelope = (overrides: Record<string, unknown>) => ({
  event: 'robust.parcel-shipped',
  version: 1,
  id: '01JGARBAGE0000000000000000',
  occurredAt: '2026-11-23T10:00:00.000Z',
  correlationId: '01JGARBAGE0000000000000000',
  causationId: null,
  partitionKey: null,
  handler: 'shipping.track',
  payload: { parcelId: 'p-x' },
  ...overrides,
});

describe('worker robustness', () => {
  beforeEach(() => (handled.values.length = 0));

  it.each([
    ['not an envelope', 'garbage', 'its data is string, not an event envelope'],
    [
      'an envelope with fields missing',
      { event: 'robust.parcel-shipped' },
      'missing or invalid: id, occurredAt, correlationId, handler, version, payload',
    ],
    [
      'an unknown event name',
      envelope({ event: 'robust.no-such-event' }),
      'its event "robust.no-such-event" is not the event "robust.parcel-shipped"',
    ],
    [
      "another handler's job",
      envelope({ handler: 'someone.else' }),
      'addressed to handler "someone.else" but sits in the queue of handler "shipping.track"',
    ],
    [
      'a payload that does not decode',
      envelope({ payload: { parcelId: 'p' }, types: { values: { parcelId: ['class', 'robust.unknown-class'] } } }),
      'its payload cannot be decoded: EventCodec.decodeFields: the type annotations (meta.values) are malformed at values.parcelId',
    ],
    [
      'a payload naming an unknown class',
      envelope({ payload: { parcelId: 'p' }, types: { values: { parcelId: [['class', 'robust.unknown-class']] } } }),
      "its payload cannot be decoded: Trying to deserialize unknown class 'robust.unknown-class'",
    ],
    ['a newer event version', envelope({ version: 2 }), 'has version 2, newer than version 1 known to this process'],
    ['a bad date', envelope({ occurredAt: 'yesterday' }), 'its occurredAt "yesterday" is not a date'],
  ])(
    'a job with %s fails at once with the reason, and the worker keeps handling later jobs',
    async (_, data, reason) => {
      const { bus, prefix, queue } = await createBusApp({ providers: [ShippingHandlers] });

      const bad = await queue('shipping.track').add('robust.parcel-shipped', data, { jobId: 'bad-job', attempts: 5 });
      await bus.publish(new ParcelShipped('p-after'));

      const { state, job } = await waitForFinished(prefix, 'shipping.track', bad.id!);
      expect(state).toBe('failed');
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toContain('InvalidJobError: Job bad-job cannot be handled:');
      expect(job.failedReason).toContain(reason);
      await handled.until((values) => values.includes('p-after'), 'the later, valid job');
    },
  );

  it('a job whose data is not JSON fails with the reason instead of crash-looping the worker', async () => {
    const publisher = await createBusApp({ providers: [ShippingHandlers], bus: { role: 'publisher' } });
    const corrupt = await publisher.bus.publish(new ParcelShipped('p-corrupt'));
    const jobKey = `${publisher.prefix}:shipping.track:${corrupt.jobs[0]!.jobId}`;
    await redisClient().hset(jobKey, 'data', '{not json');
    await publisher.bus.publish(new ParcelShipped('p-next'));

    await createBusApp({ providers: [ShippingHandlers], prefix: publisher.prefix });

    await handled.until((values) => values.includes('p-next'), 'the job after the corrupt one');
    const events = new QueueEvents('shipping.track', { connection: { url: redisUrl() }, prefix: publisher.prefix });
    const failed = deferred<string>();
    events.on('failed', ({ jobId, failedReason }) => jobId === corrupt.jobs[0]!.jobId && failed.resolve(failedReason));
    await events.waitUntilReady();
    const client = redisClient();
    const reason = (await client.zscore(`${publisher.prefix}:shipping.track:failed`, corrupt.jobs[0]!.jobId))
      ? await client.hget(jobKey, 'failedReason')
      : await within(failed.promise, 10_000, 'the corrupt job to fail');
    await events.close();
    expect(reason).toContain('its data is not valid JSON');
    expect(reason).toContain('"{not json"');
    expect(await client.hget(jobKey, 'atm')).toBe('1'); // attemptsMade
  });

  /** Publishes a job, spoils `field` of its hash with `value`, starts a worker: the job fails once with `reason`. */
  async function expectSpoiltJobToFail(field: string, value: string, reason: string) {
    const publisher = await createBusApp({ providers: [ShippingHandlers], bus: { role: 'publisher' } });
    const corrupt = await publisher.bus.publish(new ParcelShipped('p-corrupt'));
    const jobId = corrupt.jobs[0]!.jobId;
    const jobKey = `${publisher.prefix}:shipping.track:${jobId}`;
    await redisClient().hset(jobKey, field, value);
    await publisher.bus.publish(new ParcelShipped('p-next'));

    const events = new QueueEvents('shipping.track', {
      connection: { url: redisUrl() },
      prefix: publisher.prefix,
      lastEventId: '0-0',
    });
    const failed = deferred<string>();
    events.on('failed', ({ jobId: id, failedReason }) => id === jobId && failed.resolve(failedReason));
    await events.waitUntilReady();

    await createBusApp({ providers: [ShippingHandlers], prefix: publisher.prefix });

    // Read from Redis: BullMQ's Queue.getJob would itself throw on the job's unreadable field.
    const failedReason = await within(failed.promise, 10_000, 'the corrupt job to fail').finally(() => events.close());
    expect(failedReason).toContain(`InvalidJobError: Job ${jobId} cannot be handled: ${reason}`);
    expect(failedReason).toContain(JSON.stringify(value));
    const client = redisClient();
    expect(await client.zscore(`${publisher.prefix}:shipping.track:failed`, jobId)).not.toBeNull();
    expect(await client.lrange(`${publisher.prefix}:shipping.track:active`, 0, -1)).not.toContain(jobId);
    expect(await client.hget(jobKey, 'atm')).toBe('1'); // one attempt, not retried
    await handled.until((values) => values.includes('p-next'), 'the job after the corrupt one');
    expect(handled.values).not.toContain('p-corrupt');
  }

  it.each([
    ['opts', '{"attempts":5', 'its opts field (read by the broker) is not valid JSON'],
    ['progress', 'half done', 'its progress field (read by the broker) is not valid JSON'],
  ])(
    'a job whose %s is not JSON fails at once with the reason (it stayed active), and later jobs are handled',
    expectSpoiltJobToFail,
  );

  it.each([
    ['null', 'null', 'its opts field (read by the broker) is not a JSON object (it is null)'],
    ['a string', '"fast"', 'its opts field (read by the broker) is not a JSON object (it is a string)'],
    ['an array', '[1]', 'its opts field (read by the broker) is not a JSON object (it is an array)'],
    [
      'with attempts that is not a number',
      '{"attempts":"many"}',
      'its opts field (read by the broker) is not options BullMQ can use (attempts an integer ≥ 0) (its attempts is "many")',
    ],
  ])(
    'a job whose opts is JSON but %s fails at once with the reason (null stayed active, a string ran the job), and later jobs are handled',
    (_, value, reason) => expectSpoiltJobToFail('opts', value, reason),
  );

  it('an event published with an older version reaches the handler (upcast when the class declares one)', async () => {
    @BusEvent('robust.parcel-weighed', {
      version: 3,
      upcast: (fields, from) => ({ ...fields, grams: from < 3 ? Number(fields.kilos) * 1000 : fields.grams }),
    })
    class ParcelWeighed {
      constructor(readonly grams: number) {}
    }
    const weights = new Recorder<ParcelWeighed>();
    @Injectable()
    class Scale {
      @OnEventAsync(ParcelWeighed, { id: 'scale.weigh' })
      async weigh(event: ParcelWeighed) {
        weights.push(event);
      }
    }
    const { queue } = await createBusApp({ providers: [Scale] });

    await queue('scale.weigh').add(
      'robust.parcel-weighed',
      envelope({ event: 'robust.parcel-weighed', version: 2, handler: 'scale.weigh', payload: { kilos: 2 } }),
    );

    const [event] = await weights.count(1);
    expect(event).toBeInstanceOf(ParcelWeighed);
    expect(event!.grams).toBe(2000);
  });
});
