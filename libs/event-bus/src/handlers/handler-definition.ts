import { EventDefinition } from '../events/bus-event.decorator';
import { EventContext } from '../contracts/event-context';
import { DeliveryOptions } from '../contracts/event-transport';
import { ExhaustedPolicy } from '../contracts/delivery';

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

/** How a handler orders keyed events. */
export interface PartitionDefinition {
  /** The key of an event for this handler; `undefined` sends the event to the handler's parallel queue. */
  readonly keyOf: (event: object) => string | undefined;
  readonly lanes: number;
  readonly onExhausted: ExhaustedPolicy;
  /** The lane group (the handler's id unless it joined a named group); names the lanes. */
  readonly group: string;
  /** Lane queue names, index = lane number. */
  readonly laneQueues: readonly string[];
}

/** A discovered `@OnEventAsync` handler, options resolved. */
export interface AsyncHandlerDefinition extends HandlerDefinitionBase {
  readonly kind: 'async';
  /** The parallel queue (events without a partition key). */
  readonly queue: string;
  readonly filter: ((event: object) => boolean) | undefined;
  readonly delivery: DeliveryOptions;
  readonly concurrency: number;
  /** Set when the handler's events can carry a partition key. */
  readonly partition: PartitionDefinition | undefined;
  /** True when the handler runs through the inbox (`{ inbox: true }`). */
  readonly inbox: boolean;
}

export type HandlerDefinition = SyncHandlerDefinition | AsyncHandlerDefinition;

/**
 * A discovered `@OnEventBroadcast` handler: runs on every node that has it, at most once per event, never retried.
 * Kept apart from {@link HandlerDefinition} (sync and async handlers), which take part in `publish` and in jobs.
 */
export interface BroadcastHandlerDefinition extends HandlerDefinitionBase {
  readonly kind: 'broadcast';
}
