import { Injectable } from '@nestjs/common';
import fc from 'fast-check';
import {
  BusEvent,
  BusType,
  EventBusConfigError,
  EventEncodingError,
  JsonValue,
  OnEventAsync,
} from 'nestjs-durable-bus';
import { EventCodec } from '../libs/event-bus/src/codec/event-codec';
import { getEventDefinition } from '../libs/event-bus/src/events/bus-event.decorator';
import { Decimal, decimalType } from './fixtures/decimal';
import { createBusApp, keysUnder } from './support/bus-app';
import { Recorder } from './support/deferred';
import { strictDifference } from './support/strict-equal';

const received = new Recorder<unknown>();

@BusEvent('test.fidelity-carrier')
class Carrier {
  constructor(readonly value: unknown) {}
}

@BusEvent('test.fidelity-small', { maxPayloadBytes: 64 })
class SmallEvent {
  constructor(readonly text: string) {}
}

@BusEvent('test.fidelity-large', { maxPayloadBytes: 4 * 1_048_576 })
class LargeEvent {
  constructor(readonly text: string) {}
}

@BusType('test.fidelity-box')
class Box {
  constructor(readonly content: unknown) {}
}

class Unregistered {}

@Injectable()
class Handlers {
  @OnEventAsync(Carrier, { id: 'fidelity.carrier' })
  async onCarrier(event: Carrier) {
    received.push(event);
  }

  @OnEventAsync(SmallEvent, { id: 'fidelity.small' })
  async onSmall(event: SmallEvent) {
    received.push(event);
  }

  @OnEventAsync(LargeEvent, { id: 'fidelity.large' })
  async onLarge(event: LargeEvent) {
    received.push(event);
  }
}

/** An object with exactly these own keys, `__proto__` included (defined, never assigned). */
function objectOf(entries: readonly (readonly [string, unknown])[], proto: object | null = Object.prototype): object {
  const object = Object.create(proto) as object;
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return object;
}

/** What the codec does to an event on its way through Redis: encode, JSON text, decode, instantiate. */
function roundTrip(codec: EventCodec, event: Carrier): object {
  const definition = getEventDefinition<Carrier>(Carrier)!;
  const encoded = codec.encode(definition.name, event);
  const stored = JSON.parse(JSON.stringify(encoded)) as typeof encoded;
  return EventCodec.instantiate(definition, codec.decodeFields(stored));
}

/** Field names, with the ones that trip JSON paths and prototypes over-represented. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    'constructor',
    'prototype',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'length',
    '',
    '.',
    'a.b',
    '\\',
    '0',
    '1',
  ),
);

/** Everything `publish` accepts, as trees. */
const { value: publishable } = fc.letrec<{ value: unknown; leaf: unknown }>((tie) => ({
  leaf: fc.oneof(
    fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, undefined, null, true, false),
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.string({ unit: 'binary', maxLength: 8 }),
    key,
    fc.date({ noInvalidDate: false }),
    fc.constant(null).map(() => new Date(NaN)),
    fc.stringMatching(/^-?\d{1,4}\.\d{2}$/).map((text) => Decimal.of(text)),
  ),
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 2, withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.sparseArray(tie('value'), { maxLength: 5, noTrailingHole: false }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((entries) => objectOf(entries)),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((entries) => objectOf(entries, null)),
    fc.array(fc.tuple(fc.oneof(tie('leaf'), tie('value')), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(tie('value'), { maxLength: 3 }).map((values) => new Set(values)),
    tie('value').map((content) => new Box(content)),
  ),
}));

/** What `publish` must refuse, somewhere inside an otherwise fine value. */
const unpublishable = fc.constantFrom<() => unknown>(
  () => () => 1,
  () => Symbol('s'),
  () => new Unregistered(),
  () => new TypeError('x'),
  () => new (class Tags extends Set {})(),
  () => Object.assign([1], { extra: true }),
  () => Object.assign(new Box(1), { constructor: 'Bob' }),
);

describe('codec fidelity', () => {
  const codec = new EventCodec(
    new Map<string, Set<never>>([
      ['test.fidelity-carrier', new Set([Carrier as never])],
      ['test.fidelity-box', new Set([Box as never])],
    ]),
    [decimalType],
  );

  beforeEach(() => {
    received.values.length = 0;
  });

  it('property: every publishable value comes back strictly equal, with the same classes (10,000 cases)', () => {
    // Fields of the event itself take odd names too: the event root is an object like any other.
    const event = fc
      .array(fc.tuple(key, publishable), { maxLength: 4 })
      .map((entries) => objectOf(entries, Carrier.prototype) as Carrier);
    fc.assert(
      fc.property(event, (published) => {
        const difference = strictDifference(roundTrip(codec, published), published);
        if (difference) throw new Error(`did not round-trip: ${difference}`);
      }),
      { numRuns: 10_000, seed: 20_261_202 },
    );
  });

  it('property: a value with something unpublishable inside is refused with an EventEncodingError naming the event', () => {
    const poisoned = fc
      .tuple(publishable, unpublishable, fc.array(key, { minLength: 1, maxLength: 3 }))
      .map(([value, make, path]) => {
        let tree: unknown = make();
        for (const field of path) tree = objectOf([[field, tree]]);
        return new Carrier([value, tree]);
      });
    fc.assert(
      fc.property(poisoned, (published) => {
        let error: unknown;
        try {
          codec.encode('test.fidelity-carrier', published);
        } catch (thrown) {
          error = thrown;
        }
        if (!(error instanceof EventEncodingError))
          throw new Error(`not refused with EventEncodingError: ${String(error)}`);
        if (error.eventName !== 'test.fidelity-carrier' || !error.path.startsWith('value[')) {
          throw new Error(`refused without the event or path: ${error.message}`);
        }
      }),
      { numRuns: 2_000, seed: 20_261_202 },
    );
  });

  it.each([
    ['an invalid Date', () => new Date(NaN)],
    ['an array of holes', () => new Array<unknown>(2)],
    ['an array with a hole and an item', () => Object.assign(new Array<unknown>(2), { 1: 1 })],
    ['a constructor key', () => ({ constructor: 'Bob' })],
    ['a prototype key', () => ({ prototype: { id: 1 } })],
    ['a __proto__ own key, which stays data', () => objectOf([['__proto__', { polluted: true }]])],
    ['a null-prototype object', () => objectOf([['a', 1]], null)],
    [
      'a Map under a NaN key, next to another NaN',
      () => ({
        score: NaN,
        byScore: new Map([
          [
            NaN,
            new Map<unknown, unknown>([
              [1, new Date(0)],
              ['x', -0],
            ]),
          ],
        ]),
      }),
    ],
  ])('an async handler receives %s exactly as published', async (_, make) => {
    const { bus } = await createBusApp({ providers: [Handlers] });
    const published = new Carrier({ nested: make() });

    await bus.publish(published);
    const [event] = (await received.count(1)) as Carrier[];

    expect(strictDifference(event, published)).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('a payload written before these changes still decodes (job data in Redis stays readable by new workers)', () => {
    // What the previous codec wrote for { a: shared, b: shared, n: 7n, m: new Map([['k', undefined]]) }.
    const written = JSON.parse(
      '{"json":{"a":{"at":"2026-01-01T00:00:00.000Z","tags":["x"]},"b":{"at":"2026-01-01T00:00:00.000Z","tags":["x"]},' +
        '"n":"7","m":[["k",null]]},"meta":{"values":{"a.at":["Date"],"a.tags":["set"],"b.at":["Date"],' +
        '"b.tags":["set"],"n":["bigint"],"m":["map",{"0.1":["undefined"]}]},"referentialEqualities":{"a":["b"]},"v":1}}',
    ) as { json: JsonValue; meta: Record<string, unknown> };
    const shared = () => ({ at: new Date(Date.UTC(2026, 0, 1)), tags: new Set(['x']) });
    const fields = () => ({ a: shared(), b: shared(), n: 7n, m: new Map([['k', undefined]]) });

    expect(strictDifference(codec.decodeFields(written), fields())).toBeUndefined();
    // Identities it wrote are not applied: the previous codec took two NaNs for one object and emptied the Map.
    const withNaNs = JSON.parse(
      '{"json":{"score":"NaN","byScore":[["NaN",[[1,"a"]]]]},"meta":{"values":{"score":["number"],' +
        '"byScore":["map",{"0.0":["number"],"0.1":["map"]}]},"referentialEqualities":{"score":["byScore.0.0"]},"v":1}}',
    ) as { json: JsonValue; meta: Record<string, unknown> };
    expect(codec.decodeFields(withNaNs)).toEqual({ score: NaN, byScore: new Map([[NaN, new Map([[1, 'a']])]]) });
    // The same fields, one object shared, are written as before less the identity (the JSON holds both copies).
    const { referentialEqualities: _identities, ...types } = written.meta;
    const one = shared();
    expect(codec.encode('x', { ...fields(), a: one, b: one })).toEqual({ json: written.json, meta: types });
  });

  it('an event field named constructor or __proto__ arrives as a field, and the event keeps its class', async () => {
    const { bus } = await createBusApp({ providers: [Handlers] });
    const published = objectOf(
      [
        ['constructor', 'Bob'],
        ['__proto__', { id: 1 }],
      ],
      Carrier.prototype,
    );

    await bus.publish(published);
    const [event] = (await received.count(1)) as object[];

    expect(event).toBeInstanceOf(Carrier);
    expect(strictDifference(event, published)).toBeUndefined();
  });

  it('a registered class with a constructor own property is refused with an EventEncodingError naming the field', async () => {
    const { bus, prefix } = await createBusApp({ providers: [Handlers], bus: { role: 'publisher' } });

    const error = await bus
      .publish(new Carrier({ box: Object.assign(new Box(1), { constructor: 'Bob' }) }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventEncodingError);
    expect((error as EventEncodingError).path).toBe('value.box.constructor');
    expect((error as Error).message).toContain('"test.fidelity-carrier"');
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('a value type may not take a name the codec reserves for its exact shapes', () => {
    expect(() => new EventCodec(new Map(), [{ ...decimalType, name: 'bus:object' }])).toThrow(
      'Value type name "bus:object" is reserved by the bus\'s codec',
    );
  });

  describe('maxPayloadBytes', () => {
    const mib = 1_048_576;

    it('publish refuses an event over the default 1 MiB, naming the event, its size, the limit and the fix; nothing is written', async () => {
      const { bus, prefix } = await createBusApp({ providers: [Handlers], bus: { role: 'publisher' } });

      const error = await bus.publish(new Carrier({ blob: 'x'.repeat(mib) })).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EventEncodingError);
      const refused = error as EventEncodingError;
      expect(refused.eventName).toBe('test.fidelity-carrier');
      expect(refused.size).toEqual({ bytes: expect.any(Number), limit: mib });
      expect(refused.size!.bytes).toBeGreaterThan(mib);
      expect(refused.path).toBe('value');
      expect(refused.message).toContain(`${refused.size!.bytes} bytes, over its limit of ${mib} bytes`);
      expect(refused.message).toContain(`@BusEvent('test.fidelity-carrier', { maxPayloadBytes: <bytes> })`);
      expect(refused.message).toContain('EventBusModule.forRoot({ maxPayloadBytes: <bytes> })');
      expect(await keysUnder(prefix)).toEqual([]);
    });

    it('publishAll refuses the whole batch when one event is too large; nothing is written', async () => {
      const { bus, prefix } = await createBusApp({ providers: [Handlers], bus: { role: 'publisher' } });

      const error = await bus
        .publishAll([new Carrier('fine'), new Carrier('x'.repeat(mib + 1))])
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EventEncodingError);
      expect((error as EventEncodingError).size?.limit).toBe(mib);
      expect(await keysUnder(prefix)).toEqual([]);
    });

    it('the module option sets the limit for every event; an event just under it is delivered', async () => {
      const { bus } = await createBusApp({ providers: [Handlers], bus: { maxPayloadBytes: 100 } });

      // {"value":"…"} is 12 bytes around the text.
      const error = await bus.publish(new Carrier('x'.repeat(89))).catch((e: unknown) => e);
      expect((error as EventEncodingError).size).toEqual({ bytes: 101, limit: 100 });

      await bus.publish(new Carrier('x'.repeat(88)));
      expect(((await received.count(1))[0] as Carrier).value).toBe('x'.repeat(88));
    });

    it('@BusEvent({ maxPayloadBytes }) overrides the module limit, down and up', async () => {
      const { bus } = await createBusApp({ providers: [Handlers] });

      const error = await bus.publish(new SmallEvent('x'.repeat(64))).catch((e: unknown) => e);
      expect((error as EventEncodingError).size?.limit).toBe(64);
      expect((error as Error).message).toContain(`@BusEvent('test.fidelity-small', { maxPayloadBytes: <bytes> })`);

      await bus.publish(new LargeEvent('x'.repeat(2 * mib)));
      expect(((await received.count(1))[0] as LargeEvent).text).toHaveLength(2 * mib);
    });

    it.each([0, -1, 1.5, NaN, '1024'])(
      'maxPayloadBytes %p is refused at boot with an EventBusConfigError',
      async (value) => {
        const error = await createBusApp({ bus: { maxPayloadBytes: value as number } }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventBusConfigError);
        expect((error as Error).message).toContain('"maxPayloadBytes" is invalid: expected a positive integer');
      },
    );

    it('@BusEvent refuses a maxPayloadBytes that is not a positive integer', () => {
      expect(() => {
        @BusEvent('test.fidelity-bad-limit', { maxPayloadBytes: 0 })
        class BadLimit {}
        return BadLimit;
      }).toThrow(EventBusConfigError);
    });
  });
});
