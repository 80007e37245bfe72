import { Injectable } from '@nestjs/common';
import {
  BusEvent,
  EventBusConfigError,
  EventContext,
  HandlerInterceptor,
  InterceptedHandler,
  OnEvent,
  OnEventAsync,
  OnEventBroadcast,
  UnrecoverableEventError,
} from 'nestjs-durable-bus';
import { resolveEventBusOptions } from '../libs/event-bus/src/module/resolve-options';
import { EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';
import { createBusApp } from './support/bus-app';
import { Recorder } from './support/deferred';
import { recordJobEvents } from './support/job-events';

setupEventBusTesting();

@BusEvent('intercept.parcel-shipped')
class ParcelShipped {
  constructor(readonly parcelId: string) {}
}

const trace = new Recorder<string>();
const seen = new Recorder<{ handler: string; mode: string; attempt: number; eventName: string }>();

/** A provider the interceptor class gets injected: interceptors are resolved with the app's injector. */
@Injectable()
class Clock {
  now(): number {
    return performance.now();
  }
}

/** Registered by class: taken from the app's providers, with its own dependencies injected. */
@Injectable()
class Timing implements HandlerInterceptor {
  constructor(private readonly clock: Clock) {}

  async intercept(_event: object, ctx: EventContext, handler: InterceptedHandler, next: () => Promise<unknown>) {
    const started = this.clock.now();
    trace.push(`outer before ${handler.id}`);
    try {
      return await next();
    } finally {
      trace.push(`outer after ${handler.id}`);
      seen.push({ handler: handler.id, mode: handler.mode, attempt: ctx.attempt, eventName: ctx.eventName });
      expect(this.clock.now()).toBeGreaterThanOrEqual(started);
    }
  }
}

/** Registered as an instance: turns a handler's "gone" error into one that is not retried. */
const rethrowing: HandlerInterceptor = {
  async intercept(_event, _ctx, handler, next) {
    trace.push(`inner before ${handler.id}`);
    try {
      const result = await next();
      trace.push(`inner after ${handler.id} → ${JSON.stringify(result)}`);
      return result;
    } catch (error) {
      trace.push(`inner caught ${handler.id}`);
      if ((error as Error).message.includes('gone')) throw new UnrecoverableEventError((error as Error).message);
      throw error;
    }
  },
};

@Injectable()
class Shipping {
  @OnEvent(ParcelShipped, { id: 'shipping.note' })
  note(event: ParcelShipped) {
    trace.push(`handler shipping.note ${event.parcelId}`);
  }

  @OnEventAsync(ParcelShipped, { id: 'shipping.track', attempts: 3 })
  track(event: ParcelShipped) {
    trace.push(`handler shipping.track ${event.parcelId}`);
    if (event.parcelId === 'p-gone') throw new Error('parcel p-gone is gone');
    return { tracked: event.parcelId };
  }

  @OnEventBroadcast(ParcelShipped, { id: 'shipping.screen' })
  screen(event: ParcelShipped) {
    trace.push(`handler shipping.screen ${event.parcelId}`);
  }
}

const interceptors = [Timing, rethrowing];

beforeEach(() => {
  trace.values.length = 0;
  seen.values.length = 0;
});

describe('handler interceptors', () => {
  it('wrap sync, async and broadcast handlers on BullMQ, the first outermost, around the handler and its result', async () => {
    const app = await createBusApp({ providers: [Shipping, Clock, Timing], bus: { interceptors } });

    await app.bus.publish(new ParcelShipped('p-1'));
    await seen.until((values) => values.length === 3, 'the three handlers intercepted');

    expect(seen.values.map((s) => `${s.mode} ${s.handler}`).sort()).toEqual([
      'async shipping.track',
      'broadcast shipping.screen',
      'sync shipping.note',
    ]);
    for (const id of ['shipping.note', 'shipping.track', 'shipping.screen']) {
      const calls = trace.values.filter((line) => line.includes(id));
      expect(calls).toEqual([
        `outer before ${id}`,
        `inner before ${id}`,
        `handler ${id} p-1`,
        `inner after ${id} → ${id === 'shipping.track' ? '{"tracked":"p-1"}' : 'undefined'}`,
        `outer after ${id}`,
      ]);
    }
  });

  it('can rethrow a handler error as another: an UnrecoverableEventError fails the job on its first attempt', async () => {
    const app = await createBusApp({ providers: [Shipping, Clock, Timing], bus: { interceptors } });
    const jobs = await recordJobEvents(app.prefix, 'shipping.track');

    await app.bus.publish(new ParcelShipped('p-gone'));

    const events = await jobs.until((values) => values.some((e) => e.event === 'failed'), 'the job to fail');
    expect(events.find((e) => e.event === 'failed')?.failedReason).toContain('parcel p-gone is gone');
    expect(trace.values.filter((line) => line === 'handler shipping.track p-gone')).toHaveLength(1);
  });

  it('run in the testing kit too: inline mode and runEvent go through them', async () => {
    const kit = await EventBusTestingModule.create({
      providers: [Shipping, Clock, Timing],
      mode: 'inline',
      bus: { interceptors },
    });

    await kit.bus.publish(new ParcelShipped('p-2'));
    await kit.runEvent(new ParcelShipped('p-3'), 'shipping.track', { attempt: 2 });

    expect(seen.values.filter((s) => s.handler !== 'shipping.screen')).toEqual([
      { handler: 'shipping.note', mode: 'sync', attempt: 1, eventName: 'intercept.parcel-shipped' },
      { handler: 'shipping.track', mode: 'async', attempt: 1, eventName: 'intercept.parcel-shipped' },
      { handler: 'shipping.track', mode: 'async', attempt: 2, eventName: 'intercept.parcel-shipped' },
    ]);
  });

  it('a class that is not a provider of the app is refused at boot, saying to register it or pass an instance', async () => {
    const boot = createBusApp({ providers: [Shipping, Clock], bus: { interceptors } });
    await expect(boot).rejects.toThrow(EventBusConfigError);
    await expect(createBusApp({ providers: [Shipping, Clock], bus: { interceptors } })).rejects.toThrow(
      'the interceptor Timing is not a provider of this app',
    );
  });

  it('are checked at boot: anything but an object with intercept() or a class is refused, naming it', () => {
    expect(() =>
      resolveEventBusOptions({ transport: 'in-memory', interceptors: [{ before: () => 1 } as never] }),
    ).toThrow(EventBusConfigError);
    expect(() =>
      resolveEventBusOptions({ transport: 'in-memory', interceptors: [{ before: () => 1 } as never] }),
    ).toThrow('interceptors[0]');
  });
});
