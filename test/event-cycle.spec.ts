import { Injectable } from '@nestjs/common';
import {
  BusEvent,
  EventBus,
  EventBusConfigError,
  EventContext,
  EventCycleError,
  OnEvent,
  OnEventAsync,
} from 'nestjs-durable-bus';
import { resolveEventBusOptions } from '../libs/event-bus/src/module/resolve-options';
import { createBusApp } from './support/bus-app';
import { Recorder } from './support/deferred';
import { recordJobEvents } from './support/job-events';

@BusEvent('cycle.ping')
class Ping {
  constructor(readonly rally: string) {}
}

@BusEvent('cycle.pong')
class Pong {
  constructor(readonly rally: string) {}
}

const hits = new Recorder<{ handler: string; depth: number; correlationId: string }>();
const refusals = new Recorder<unknown>();

/** Two async handlers that publish each other's event: A → B → A … until the guard stops the chain. */
@Injectable()
class Rally {
  constructor(private readonly bus: EventBus) {}

  @OnEventAsync(Ping, { id: 'rally.on-ping', attempts: 3 })
  async onPing(event: Ping, ctx: EventContext) {
    hits.push({ handler: 'ping', depth: ctx.depth, correlationId: ctx.correlationId });
    await this.publish(new Pong(event.rally));
  }

  @OnEventAsync(Pong, { id: 'rally.on-pong', attempts: 3 })
  async onPong(event: Pong, ctx: EventContext) {
    hits.push({ handler: 'pong', depth: ctx.depth, correlationId: ctx.correlationId });
    await this.publish(new Ping(event.rally));
  }

  private async publish(event: object) {
    try {
      await this.bus.publish(event);
    } catch (error) {
      refusals.push(error);
      throw error;
    }
  }
}

@BusEvent('cycle.echo')
class Echo {
  constructor(readonly times: number) {}
}

/** A sync handler that re-publishes its own event: the loop runs inside one publish call. */
@Injectable()
class EchoChamber {
  constructor(private readonly bus: EventBus) {}

  @OnEvent(Echo)
  async echo(event: Echo, ctx: EventContext) {
    hits.push({ handler: 'echo', depth: ctx.depth, correlationId: ctx.correlationId });
    await this.bus.publish(new Echo(event.times + 1));
  }
}

beforeEach(() => {
  hits.values.length = 0;
  refusals.values.length = 0;
});

describe('the cycle guard (maxChainDepth)', () => {
  it('stops a loop of async handlers publishing each other: the publish beyond the depth is refused, nothing written, the job fails for good', async () => {
    const app = await createBusApp({ providers: [Rally], bus: { maxChainDepth: 6 } });
    const pingJobs = await recordJobEvents(app.prefix, 'rally.on-ping');
    const pongJobs = await recordJobEvents(app.prefix, 'rally.on-pong');

    const serve = await app.bus.publish(new Ping('r-1'));

    const [refused] = await refusals.count(1);
    expect(refused).toBeInstanceOf(EventCycleError);
    expect(refused).toMatchObject({
      event: 'cycle.ping',
      correlationId: serve.correlationId,
      depth: 7,
      maxChainDepth: 6,
      publishedBy: { handlerId: 'rally.on-pong', eventName: 'cycle.pong' },
    });
    expect((refused as Error).message).toContain(
      `Publishing event "cycle.ping" was refused: it would be event 7 of chain ${serve.correlationId}, beyond maxChainDepth 6.`,
    );
    // The pong handler at depth 6 fails for good on its first attempt: retrying would publish into the same loop.
    const failed = await pongJobs.until((events) => events.some((e) => e.event === 'failed'), 'the pong job to fail');
    expect(failed.filter((e) => e.event === 'failed')).toHaveLength(1);
    expect(failed.find((e) => e.event === 'failed')?.failedReason).toContain('EventCycleError');
    expect(hits.values).toEqual([
      { handler: 'ping', depth: 1, correlationId: serve.correlationId },
      { handler: 'pong', depth: 2, correlationId: serve.correlationId },
      { handler: 'ping', depth: 3, correlationId: serve.correlationId },
      { handler: 'pong', depth: 4, correlationId: serve.correlationId },
      { handler: 'ping', depth: 5, correlationId: serve.correlationId },
      { handler: 'pong', depth: 6, correlationId: serve.correlationId },
    ]);
    // Refused before anything was written: three pings were ever added, not a fourth.
    expect(pingJobs.values.filter((e) => e.event === 'waiting')).toHaveLength(3);
    expect(await app.queue('rally.on-pong').getFailedCount()).toBe(1);
    expect(await app.queue('rally.on-ping').getFailedCount()).toBe(0);
  });

  it('stops a sync handler re-publishing its own event inside one publish, which rejects with the EventCycleError', async () => {
    const app = await createBusApp({ providers: [EchoChamber], bus: { maxChainDepth: 4 } });

    const error = await app.bus.publish(new Echo(1)).catch((e: unknown) => e);

    expect(hits.values.map((hit) => hit.depth)).toEqual([1, 2, 3, 4]);
    // The refusal travels back up through each sync handler's publish (each a SyncHandlerError).
    let cause: unknown = error;
    while (cause instanceof Error && !(cause instanceof EventCycleError)) cause = cause.cause;
    expect(cause).toBeInstanceOf(EventCycleError);
    expect(cause).toMatchObject({ event: 'cycle.echo', depth: 5, publishedBy: { eventName: 'cycle.echo' } });
  });

  it('defaults to 32 and refuses a depth that is not a positive integer', () => {
    expect(resolveEventBusOptions({ transport: 'in-memory' }).maxChainDepth).toBe(32);
    expect(() => resolveEventBusOptions({ transport: 'in-memory', maxChainDepth: 0 })).toThrow(EventBusConfigError);
    expect(() => resolveEventBusOptions({ transport: 'in-memory', maxChainDepth: 0 })).toThrow('maxChainDepth');
  });
});
