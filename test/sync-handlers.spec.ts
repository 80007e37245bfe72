import { Injectable } from '@nestjs/common';
import { BusEvent, EventContext, OnEvent, OnEventAsync, SyncHandlerError } from 'nestjs-durable-bus';
import { createBusApp, keysUnder } from './support/bus-app';
import { deferred } from './support/deferred';

@BusEvent('sync.thing-happened')
class ThingHappened {
  constructor(readonly fail: string | null = null) {}
}

const calls: string[] = [];
const gate = { before: deferred(), release: deferred() };

@Injectable()
class FirstHandlers {
  @OnEvent(ThingHappened, { order: 10 })
  async late(event: ThingHappened) {
    calls.push('late');
    if (event.fail === 'late') throw new Error('late says no');
  }

  @OnEvent(ThingHappened)
  async slowFirst(event: ThingHappened, ctx: EventContext) {
    calls.push(`slowFirst:start:${ctx.mode}:${ctx.attempt}`);
    if (event.fail === 'wait') {
      gate.before.resolve();
      await gate.release.promise;
    }
    calls.push('slowFirst:end');
    if (event.fail === 'slowFirst') throw new TypeError('slowFirst says no');
  }

  @OnEventAsync(ThingHappened, { id: 'sync-spec.async' })
  async later() {
    calls.push('async');
  }
}

@Injectable()
class SecondHandlers {
  @OnEvent(ThingHappened)
  second() {
    calls.push('second');
  }

  @OnEvent(ThingHappened, { order: -1 })
  earliest() {
    calls.push('earliest');
  }
}

describe('sync handlers (@OnEvent)', () => {
  beforeEach(() => {
    calls.length = 0;
    gate.before = deferred();
    gate.release = deferred();
  });

  it('run inside publish, awaited one by one, by order then discovery order', async () => {
    const { bus } = await createBusApp({ providers: [FirstHandlers, SecondHandlers], bus: { role: 'publisher' } });

    await bus.publish(new ThingHappened());

    expect(calls).toEqual(['earliest', 'slowFirst:start:sync:1', 'slowFirst:end', 'second', 'late']);
  });

  it('publish does not resolve before a slow sync handler finishes, and the next one waits for it', async () => {
    const { bus } = await createBusApp({ providers: [FirstHandlers, SecondHandlers], bus: { role: 'publisher' } });

    let settled = false;
    const publishing = bus.publish(new ThingHappened('wait')).then(() => (settled = true));
    await gate.before.promise;

    expect(calls).toEqual(['earliest', 'slowFirst:start:sync:1']);
    expect(settled).toBe(false);
    gate.release.resolve();
    await publishing;
    expect(calls).toEqual(['earliest', 'slowFirst:start:sync:1', 'slowFirst:end', 'second', 'late']);
  });

  it('a throwing handler rejects publish with an error naming event and handler, skips later handlers and enqueues nothing', async () => {
    const { bus, prefix } = await createBusApp({
      providers: [FirstHandlers, SecondHandlers],
      bus: { role: 'publisher' },
    });

    const error = await bus.publish(new ThingHappened('slowFirst')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SyncHandlerError);
    const failure = error as SyncHandlerError;
    expect(failure.eventName).toBe('sync.thing-happened');
    expect(failure.handlerId).toBe('FirstHandlers.slowFirst');
    expect(failure.message).toContain('Sync handler "FirstHandlers.slowFirst" failed for event "sync.thing-happened"');
    expect(failure.message).toContain('slowFirst says no');
    expect(failure.cause).toBeInstanceOf(TypeError);
    expect(calls).toEqual(['earliest', 'slowFirst:start:sync:1', 'slowFirst:end']);
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('publishAll dispatches nothing when a sync handler of any of its events throws', async () => {
    const { bus, prefix } = await createBusApp({
      providers: [FirstHandlers, SecondHandlers],
      bus: { role: 'publisher' },
    });

    await expect(bus.publishAll([new ThingHappened(), new ThingHappened('late')])).rejects.toThrow(SyncHandlerError);

    expect(await keysUnder(prefix)).toEqual([]);
  });
});
