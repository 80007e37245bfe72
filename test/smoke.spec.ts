import { Injectable } from '@nestjs/common';
import { BusEvent, EventContext, OnEvent, OnEventAsync } from 'nestjs-durable-bus';
import { createBusApp } from './support/bus-app';
import { Recorder } from './support/deferred';

@BusEvent('smoke.pinged')
class Pinged {
  constructor(readonly n: number) {}
}

const seen = new Recorder<string>();

@Injectable()
class Handlers {
  @OnEvent(Pinged)
  sync(event: Pinged) {
    seen.push(`sync ${event.n}`);
  }

  @OnEventAsync(Pinged)
  async later(event: Pinged, ctx: EventContext) {
    seen.push(`async ${event.n} ${event instanceof Pinged} ${ctx.attempt}`);
  }
}

describe('smoke', () => {
  it('publishes through sync and async handlers', async () => {
    const { bus } = await createBusApp({ providers: [Handlers] });
    await bus.publish(new Pinged(1));
    expect(seen.values).toEqual(['sync 1']);
    await seen.count(2);
    expect(seen.values).toEqual(['sync 1', 'async 1 true 1']);
  });
});
