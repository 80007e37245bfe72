import { EventClass } from '../events/event-class';
import { addHandlerSubscription } from './handler-metadata';
import { OnEventBroadcastOptions } from './handler-options';
import { EventHandlerMethod } from './on-event.decorator';

/**
 * Subscribes a provider method to an event on every node of the fleet, at most once: after a publish succeeds (sync
 * handlers done, async jobs stored), the event is relayed to every running process that has this handler, which
 * gets a decoded copy (same classes) with its context (`mode: 'broadcast'`). No job, no retry, no persistence: a
 * node that is down or slow misses it, and a throw is logged and forgotten; the publisher never sees it. For pushes
 * to websockets/SSE and cache invalidation.
 *
 * ```ts
 * @OnEventBroadcast(OrderPlaced)
 * invalidateCache(event: OrderPlaced) { this.cache.delete(event.orderId); }
 * ```
 */
export function OnEventBroadcast<E extends object>(event: EventClass<E>, options: OnEventBroadcastOptions = {}) {
  return <M extends EventHandlerMethod<E>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    addHandlerSubscription(descriptor.value as object, { kind: 'broadcast', event, options });
  };
}
