import { EventClass } from '../events/event-class';
import { EventContext } from '../contracts/event-context';
import { addHandlerSubscription } from './handler-metadata';
import { OnEventOptions } from './handler-options';

/** A method that can handle `E`: `(event, context) => result`. */
export type EventHandlerMethod<E> = (event: E, context: EventContext) => unknown;

/**
 * Subscribes a provider method to an event, in process: it runs inside `publish` (and so inside the publisher's
 * transaction), awaited, in a deterministic order. If it throws, `publish` rejects with a `SyncHandlerError`, later
 * sync handlers do not run and nothing async is dispatched.
 *
 * ```ts
 * @OnEvent(OrderPlaced)
 * async enforceCreditLimit(event: OrderPlaced) { ... }
 * ```
 */
export function OnEvent<E extends object>(event: EventClass<E>, options: OnEventOptions = {}) {
  return <M extends EventHandlerMethod<E>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    addHandlerSubscription(descriptor.value as object, { kind: 'sync', event, options });
  };
}
