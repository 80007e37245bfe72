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
  const existing = (Reflect.getMetadata(EVENT_HANDLER_METADATA, method) as HandlerSubscription[] | undefined) ?? [];
  Reflect.defineMetadata(EVENT_HANDLER_METADATA, [...existing, subscription], method);
}
