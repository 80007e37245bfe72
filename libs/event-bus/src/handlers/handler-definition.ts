import { EventDefinition } from '../events/bus-event.decorator';
import { EventContext } from '../dispatch/event-context';
import { DeliveryOptions } from '../transport/event-transport';

interface HandlerDefinitionBase {
  readonly id: string;
  readonly event: EventDefinition;
  /** `ClassName.methodName`, for messages. */
  readonly location: string;
  /** The provider instance the handler method belongs to (tooling: the testing kit selects handlers by class). */
  readonly provider: object;
  /** The handler method's name on {@link provider}. */
  readonly methodName: string;
  /** Calls the method on its provider instance. */
  readonly invoke: (event: object, context: EventContext) => unknown;
}

/** A discovered `@OnEvent` handler. */
export interface SyncHandlerDefinition extends HandlerDefinitionBase {
  readonly kind: 'sync';
  readonly order: number;
}

/** A discovered `@OnEventAsync` handler, options resolved. */
export interface AsyncHandlerDefinition extends HandlerDefinitionBase {
  readonly kind: 'async';
  readonly queue: string;
  readonly filter: ((event: object) => boolean) | undefined;
  readonly delivery: DeliveryOptions;
  readonly concurrency: number;
}

export type HandlerDefinition = SyncHandlerDefinition | AsyncHandlerDefinition;
