import { Injectable, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Inject } from '@nestjs/common';
import {
  BusEvent,
  EventBusConfigError,
  EventBusManifest,
  OnEvent,
  OnEventAsync,
  OnEventBroadcast,
} from 'nestjs-durable-bus';
import { MemoryLogger, createBusApp } from './support/bus-app';

@BusEvent('discovery.user-registered', { version: 2 })
class UserRegistered {
  constructor(readonly userId: string) {}
}

@BusEvent('discovery.user-deleted')
class UserDeleted {
  constructor(readonly userId: string) {}
}

class NotAnEvent {
  constructor(readonly x: number) {}
}

describe('discovery', () => {
  it('logs a manifest of event → handlers with mode, queue, attempts and filters at boot', async () => {
    @Injectable()
    class Welcome {
      @OnEvent(UserRegistered, { order: 5 })
      check() {}

      @OnEventAsync(UserRegistered, { id: 'mail.welcome', attempts: 8, filter: () => true })
      async send() {}

      @OnEventAsync(UserDeleted)
      @OnEventAsync(UserRegistered)
      async audit() {}
    }
    const logger = new MemoryLogger();

    await createBusApp({ providers: [Welcome], logger, bus: { logManifest: true, role: 'publisher' } });

    const manifest = logger.lines.find((line) => line.message.startsWith('Event handlers'));
    expect(manifest?.context).toBe('EventBus');
    expect(manifest?.message).toBe(
      [
        'Event handlers (transport=bullmq, role=publisher): 4 handler(s) on 2 event(s)',
        'discovery.user-registered v2 (UserRegistered)',
        '  sync  Welcome.check (order 5)',
        '  async mail.welcome queue=mail.welcome attempts=8 backoff=exponential:1000ms concurrency=10 filtered',
        '  async Welcome.audit@discovery.user-registered queue=Welcome.audit@discovery.user-registered attempts=5 backoff=exponential:1000ms concurrency=10',
        'discovery.user-deleted v1 (UserDeleted)',
        '  async Welcome.audit@discovery.user-deleted queue=Welcome.audit@discovery.user-deleted attempts=5 backoff=exponential:1000ms concurrency=10',
      ].join('\n'),
    );
  });

  it('gives the manifest as read-only data (EventBusManifest): events, handlers, delivery and lanes', async () => {
    @BusEvent('discovery.account-opened', { partitionKey: 'accountId' })
    class AccountOpened {
      constructor(readonly accountId: string) {}
    }
    @Injectable()
    class Accounts {
      @OnEvent(AccountOpened, { id: 'accounts.check', order: 2 })
      check() {}

      @OnEventAsync(AccountOpened, { id: 'accounts.ledger', lanes: 2, attempts: 4, backoff: 250 })
      async ledger() {}

      @OnEventBroadcast(AccountOpened, { id: 'accounts.screen' })
      screen() {}
    }

    const app = await createBusApp({ providers: [Accounts] });
    const manifest = app.get(EventBusManifest);

    expect(manifest.get()).toMatchObject({ transport: 'bullmq', role: 'both' });
    expect(manifest.event('discovery.account-opened')).toEqual({
      name: 'discovery.account-opened',
      version: 1,
      className: 'AccountOpened',
      bridgedListeners: [],
      handlers: [
        { id: 'accounts.check', mode: 'sync', location: 'Accounts.check', order: 2 },
        {
          id: 'accounts.ledger',
          mode: 'async',
          location: 'Accounts.ledger',
          queue: 'accounts.ledger',
          attempts: 4,
          backoff: { type: 'fixed', delay: 250 },
          concurrency: 10,
          filtered: false,
          inbox: false,
          lanes: {
            count: 2,
            group: 'accounts.ledger',
            onExhausted: 'dead-letter',
            queues: ['{accounts.ledger.lane-0}', '{accounts.ledger.lane-1}'],
          },
        },
        { id: 'accounts.screen', mode: 'broadcast', location: 'Accounts.screen' },
      ],
    });
    expect(manifest.event('discovery.nobody-listens')).toBeUndefined();
    expect(Object.isFrozen(manifest.events[0]!.handlers[1]!.lanes!.queues)).toBe(true);
  });

  it('duplicate handler ids fail the boot and name both handlers', async () => {
    @Injectable()
    class A {
      @OnEventAsync(UserRegistered, { id: 'shared.id' })
      async one() {}
    }
    @Injectable()
    class B {
      @OnEventAsync(UserDeleted, { id: 'shared.id' })
      async two() {}
    }

    await expect(createBusApp({ providers: [A, B] })).rejects.toThrow(
      new EventBusConfigError(
        'Duplicate event handler id "shared.id" (A.one and B.two). Handler ids name queues and job ids, so they must ' +
          'be unique: pass a distinct { id } to one of the decorators.',
      ),
    );
  });

  it.each([
    ['request-scoped', Scope.REQUEST],
    ['transient', Scope.TRANSIENT],
  ])('a handler on a %s provider fails the boot with a clear error', async (kind, scope) => {
    @Injectable({ scope })
    class Scoped {
      @OnEvent(UserRegistered)
      handle() {}
    }

    await expect(createBusApp({ providers: [Scoped] })).rejects.toThrow(
      `Event handler Scoped.handle is on a ${kind} provider`,
    );
  });

  it('a handler on a provider that depends on the request is refused too', async () => {
    @Injectable()
    class NeedsRequest {
      constructor(@Inject(REQUEST) readonly request: unknown) {}

      @OnEventAsync(UserRegistered)
      async handle() {}
    }

    await expect(createBusApp({ providers: [NeedsRequest] })).rejects.toThrow(
      /NeedsRequest.handle is on a request-scoped provider \(directly or through one of its dependencies\)/,
    );
  });

  it('subscribing to a class without @BusEvent fails the boot and says how to fix it', async () => {
    @Injectable()
    class Wrong {
      @OnEventAsync(NotAnEvent)
      async handle() {}
    }

    await expect(createBusApp({ providers: [Wrong] })).rejects.toThrow(
      "@OnEventAsync on Wrong.handle: NotAnEvent is not an event. Decorate it with @BusEvent('<context>.<event-name>')",
    );
  });

  it.each([
    [{ id: 'has:colon' }, 'handler id "has:colon" is invalid'],
    [{ id: '12345' }, 'handler id "12345" is invalid'],
    [{ attempts: 0 }, 'attempts" is invalid: expected a positive integer, received 0'],
    [
      { backoff: { type: 'linear', delay: 5 } },
      "backoff\" is invalid: expected milliseconds, or { type: 'fixed' | 'exponential'",
    ],
    [{ priority: 0 }, 'priority must be an integer from 1 (highest) to 2097152, received 0'],
    [{ concurrency: 1.5 }, 'concurrency" is invalid: expected a positive integer, received 1.5'],
  ])('bad handler options %j fail the boot: %s', async (options, message) => {
    @Injectable()
    class Bad {
      @OnEventAsync(UserRegistered, options as never)
      async handle() {}
    }

    await expect(createBusApp({ providers: [Bad] })).rejects.toThrow(message);
  });

  it('publishing an instance of an undecorated class is refused', async () => {
    const { bus } = await createBusApp({ bus: { role: 'publisher' } });

    await expect(bus.publish(new NotAnEvent(1))).rejects.toThrow(
      'EventBus.publish: NotAnEvent is not an event. Decorate it with @BusEvent',
    );
    await expect(bus.publish(null as never)).rejects.toThrow('EventBus.publish expects an event instance');
  });

  it('@BusEvent refuses names that cannot be stored as a stable wire name', () => {
    expect(() => BusEvent('has space')(class Spaced {})).toThrow(
      '@BusEvent("has space") on class Spaced: the name must start with a letter',
    );
    expect(() => BusEvent('ok', { version: 0 })(class V {})).toThrow('version must be a positive integer, received 0');
  });
});
