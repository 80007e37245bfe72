import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BusEvent,
  EventBusConfigError,
  EventBusError,
  EventBusModule,
  OnEvent,
  OnEventAsync,
  OnEventBroadcast,
} from 'nestjs-durable-bus';
import { EventCodec } from '../libs/event-bus/src/codec/event-codec';
import { InMemoryTransport } from 'nestjs-durable-bus/transport';
import { EventBusTestingModule, setupEventBusTesting } from 'nestjs-durable-bus/testing';

setupEventBusTesting();

@BusEvent('misuse.order-created')
class OrderCreated {
  constructor(readonly orderId: string) {}
}

@Injectable()
class Handlers {
  @OnEventAsync(OrderCreated, { id: 'misuse.ship' })
  ship(_event: OrderCreated) {}
}

/** Applies a method decorator the way plain JavaScript (or code past the types) does. */
function decorate(decorator: MethodDecorator): void {
  class Listener {
    handle() {}
  }
  decorator(Listener.prototype, 'handle', Object.getOwnPropertyDescriptor(Listener.prototype, 'handle')!);
}

describe('misuse from JavaScript gets an EventBusConfigError that says how to fix it', () => {
  it.each([
    ['@OnEvent', OnEvent],
    ['@OnEventAsync', OnEventAsync],
    ['@OnEventBroadcast', OnEventBroadcast],
  ])('%s given a string says to pass the event class, and how to keep a string listener', (name, decorator) => {
    const apply = () => decorate((decorator as (event: unknown) => MethodDecorator)('order.created'));

    expect(apply).toThrow(EventBusConfigError);
    expect(apply).toThrow(
      `${name}("order.created"): pass the event class, not a string: ${name}(OrderCreated), where OrderCreated is ` +
        `decorated with @BusEvent("order.created"). To keep a string listener while you move over, leave it on ` +
        `@nestjs/event-emitter (import { OnEvent } from '@nestjs/event-emitter', with EventEmitterModule in the ` +
        `app): the bus emits every published event there under its wire name.`,
    );
  });

  it('@OnEvent given undefined names the likely circular import', () => {
    expect(() => decorate((OnEvent as (event: unknown) => MethodDecorator)(undefined))).toThrow(
      '@OnEvent needs an event class (decorated with @BusEvent), received undefined: a circular import can leave ' +
        'the class undefined when the decorator runs.',
    );
  });

  it('forRoot without a connection names both fixes: connection, or the in-memory transport', async () => {
    const compiled = Test.createTestingModule({ imports: [EventBusModule.forRoot({})] }).compile();

    await expect(compiled).rejects.toThrow(EventBusConfigError);
    await expect(Test.createTestingModule({ imports: [EventBusModule.forRoot({})] }).compile()).rejects.toThrow(
      "Either give connection (a Redis URL such as 'redis://localhost:6379', ioredis options or an ioredis " +
        "instance), or set transport: 'in-memory'",
    );
  });

  it('the kit assertions given a wire name say to pass the class', async () => {
    const kit = await EventBusTestingModule.create({ providers: [Handlers] });

    expect(() => kit.expectPublished('misuse.order-created' as never)).toThrow(
      new EventBusConfigError(
        `The kit's assertions take the event class (kit.expectPublished(OrderCreated, { … })), received the ` +
          `string "misuse.order-created".`,
      ),
    );
    expect(() => kit.refused('misuse.order-created' as never)).toThrow(EventBusConfigError);
  });

  it('toHavePublished on something that is not a kit', () => {
    expect(() => expect(42).toHavePublished(OrderCreated)).toThrow(EventBusConfigError);
  });

  it('drain on a transport that cannot tell when it is idle', async () => {
    const transport = new InMemoryTransport();
    Object.defineProperty(transport, 'whenIdle', { value: undefined });
    const kit = await EventBusTestingModule.create({ providers: [Handlers], transport: 'app', bus: { transport } });

    await expect(kit.drain()).rejects.toThrow(
      new EventBusConfigError(
        'kit.drain() does not know the transport "in-memory": give it a whenIdle(): Promise<void> that resolves ' +
          'when it has nothing left to run, or drain it yourself.',
      ),
    );
  });

  it('EventCodec.decodeFields of a payload that is not an object', () => {
    const codec = new EventCodec(new Map());

    expect(() => codec.decodeFields({ json: [1, 2] })).toThrow(EventBusError);
    expect(() => codec.decodeFields({ json: [1, 2] })).toThrow('the payload is not an object (received an array)');
  });
});
