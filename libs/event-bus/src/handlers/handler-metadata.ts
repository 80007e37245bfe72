import { EventBusConfigError } from '../errors';
import { EventClass } from '../events/event-class';
import { OnEventAsyncOptions, OnEventBroadcastOptions, OnEventOptions } from './handler-options';

export const EVENT_HANDLER_METADATA = Symbol.for('nestjs-durable-bus:handlers');

/** What one `@OnEvent`/`@OnEventAsync`/`@OnEventBroadcast` wrote on a method. */
export type HandlerSubscription =
  | { readonly kind: 'sync'; readonly event: EventClass; readonly options: OnEventOptions }
  | { readonly kind: 'async'; readonly event: EventClass; readonly options: OnEventAsyncOptions }
  | { readonly kind: 'broadcast'; readonly event: EventClass; readonly options: OnEventBroadcastOptions };

/** Appends a subscription to a method's metadata, so decorators stack (one method, several events). */
export function addHandlerSubscription(method: object, subscription: HandlerSubscription): void {
  assertEventClass(subscription);
  const existing = (Reflect.getMetadata(EVENT_HANDLER_METADATA, method) as HandlerSubscription[] | undefined) ?? [];
  Reflect.defineMetadata(EVENT_HANDLER_METADATA, [...existing, subscription], method);
}

const DECORATORS = { sync: '@OnEvent', async: '@OnEventAsync', broadcast: '@OnEventBroadcast' } as const;

/**
 * The decorators take the event class; from plain JavaScript (or past the types) they may get a string, the way
 * @nestjs/event-emitter's `@OnEvent('order.created')` is written, or `undefined` from a circular import.
 */
function assertEventClass({ kind, event }: HandlerSubscription): void {
  if (typeof event === 'function') return;
  const decorator = DECORATORS[kind];
  const received: unknown = event;
  if (typeof received === 'string') {
    throw new EventBusConfigError(
      `${decorator}(${JSON.stringify(received)}): pass the event class, not a string: ${decorator}(OrderCreated), ` +
        `where OrderCreated is decorated with @BusEvent(${JSON.stringify(received)}). To keep a string listener while ` +
        `you move over, leave it on @nestjs/event-emitter (import { OnEvent } from '@nestjs/event-emitter', with ` +
        `EventEmitterModule in the app): the bus emits every published event there under its wire name.`,
    );
  }
  throw new EventBusConfigError(
    `${decorator} needs an event class (decorated with @BusEvent), received ${received === null ? 'null' : typeof received}` +
      (received === undefined ? ': a circular import can leave the class undefined when the decorator runs.' : '.'),
  );
}
