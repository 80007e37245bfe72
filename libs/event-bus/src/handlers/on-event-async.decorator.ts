import { EventClass } from '../events/event-class';
import { addHandlerSubscription } from './handler-metadata';
import { OnEventAsyncOptions } from './handler-options';
import { EventHandlerMethod } from './on-event.decorator';

/**
 * Subscribes a provider method to an event durably: every publish of the event (that passes `filter`) becomes one
 * BullMQ job for this handler, with a deterministic id, run by any consuming process, retried with backoff on a
 * throw or rejection, failed at once on an `UnrecoverableEventError`, and kept in the failed set when exhausted.
 *
 * ```ts
 * @OnEventAsync(OrderPlaced, { id: 'finances.create-invoice', filter: (e) => e.total > 0, attempts: 10 })
 * async createInvoice(event: OrderPlaced, ctx: EventContext) { ... }
 * ```
 */
export function OnEventAsync<E extends object>(event: EventClass<E>, options: OnEventAsyncOptions<E> = {}) {
  return <M extends EventHandlerMethod<E>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    addHandlerSubscription(descriptor.value as object, {
      kind: 'async',
      event,
      options: options as OnEventAsyncOptions,
    });
  };
}
