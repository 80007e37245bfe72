import { EventBusConfigError } from '../errors';
import type { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { laneQueueName } from '../contracts/lane-names';
import {
  assertLaneCount,
  assertNonNegativeInteger,
  assertPositiveInteger,
  normalizeBackoff,
} from '../contracts/option-checks';
import { EventDefinition, requireEventDefinition, toPartitionKey } from '../events/bus-event.decorator';
import {
  AsyncHandlerDefinition,
  BroadcastHandlerDefinition,
  HandlerDefinition,
  PartitionDefinition,
  SyncHandlerDefinition,
} from './handler-definition';
import { OnEventAsyncOptions } from './handler-options';
import { HandlerSubscription } from './handler-metadata';

/** What a handler's definition takes from the module's options when the decorator leaves it unset. */
export type HandlerDefaults = Pick<
  ResolvedEventBusOptions,
  'lanes' | 'concurrency' | 'defaultJobOptions' | 'role' | 'inbox'
>;

/** The provider method a subscription was found on. */
export interface HandlerMethod {
  readonly instance: Record<string, unknown>;
  readonly methodName: string;
  /** `ClassName.methodName`. */
  readonly location: string;
  /** True when the method carries several subscriptions (each gets its own handler id and queue). */
  readonly sharedMethod: boolean;
}

/** A definition of either registry: the sync and async handlers, or the broadcast ones. */
export type AnyHandlerDefinition = HandlerDefinition | BroadcastHandlerDefinition;

const HANDLER_ID = /^[A-Za-z_][A-Za-z0-9_.@-]{0,199}$/;
const MAX_PRIORITY = 2_097_152;
const DECORATOR_OF = { sync: 'OnEvent', async: 'OnEventAsync', broadcast: 'OnEventBroadcast' } as const;

/**
 * Turns one decorator subscription of a provider method into its handler definition, checking every option: a pure
 * function of the subscription, the method and the defaults (the explorer finds the methods; this says what they are).
 * Misuse throws an `EventBusConfigError` that says how to fix it.
 */
export function defineHandler(
  subscription: HandlerSubscription,
  method: HandlerMethod,
  defaults: HandlerDefaults,
): AnyHandlerDefinition {
  const { instance, methodName, location, sharedMethod } = method;
  const usage = `@${DECORATOR_OF[subscription.kind]} on ${location}`;
  const event = requireEventDefinition(subscription.event, usage);
  // One method subscribed to several events gets one handler (and queue) per event.
  const id = subscription.options.id ?? (sharedMethod ? `${location}@${event.name}` : location);
  if (!HANDLER_ID.test(id) || /^\d+$/.test(id)) {
    throw new EventBusConfigError(
      `${usage}: handler id ${JSON.stringify(id)} is invalid. Use letters, digits, "_", ".", "@", "-" ` +
        `(no ":"), starting with a letter or "_", at most 200 characters.`,
    );
  }
  const invoke = (payload: object, context: Parameters<HandlerDefinition['invoke']>[1]): unknown =>
    (instance[methodName] as (event: object, ctx: typeof context) => unknown)(payload, context);
  const base = { id, event, location, provider: instance, methodName, invoke };
  if (subscription.kind === 'broadcast') {
    const handler: BroadcastHandlerDefinition = { kind: 'broadcast', ...base };
    return handler;
  }
  if (subscription.kind === 'sync') {
    const order = subscription.options.order ?? 0;
    if (!Number.isFinite(order)) {
      throw new EventBusConfigError(`${usage}: order must be a finite number, received ${String(order)}.`);
    }
    const handler: SyncHandlerDefinition = { kind: 'sync', ...base, order };
    return handler;
  }
  const options = subscription.options;
  const jobDefaults = defaults.defaultJobOptions;
  const attempts = options.attempts ?? jobDefaults.attempts;
  assertPositiveInteger(`${usage} attempts`, attempts);
  if (options.delay !== undefined) assertNonNegativeInteger(`${usage} delay`, options.delay);
  if (
    options.priority !== undefined &&
    (!Number.isSafeInteger(options.priority) || options.priority < 1 || options.priority > MAX_PRIORITY)
  ) {
    throw new EventBusConfigError(
      `${usage}: priority must be an integer from 1 (highest) to ${MAX_PRIORITY}, received ${String(options.priority)}.`,
    );
  }
  const concurrency = options.concurrency ?? defaults.concurrency;
  assertPositiveInteger(`${usage} concurrency`, concurrency);
  const partition = definePartition(usage, id, event, options, defaults);
  if (options.filter !== undefined && typeof options.filter !== 'function') {
    throw new EventBusConfigError(`${usage}: filter must be a function (event) => boolean.`);
  }
  const handler: AsyncHandlerDefinition = {
    kind: 'async',
    ...base,
    queue: id,
    filter: options.filter,
    concurrency,
    partition,
    inbox: checkInbox(usage, options.inbox, defaults),
    delivery: {
      attempts,
      backoff: normalizeBackoff(`${usage} backoff`, options.backoff ?? jobDefaults.backoff),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      ...(options.delay ? { delay: options.delay } : {}),
      removeOnComplete: jobDefaults.removeOnComplete,
      removeOnFail: jobDefaults.removeOnFail,
    },
  };
  return handler;
}

function definePartition(
  usage: string,
  id: string,
  event: EventDefinition,
  options: OnEventAsyncOptions,
  defaults: HandlerDefaults,
): PartitionDefinition | undefined {
  const { partitionBy } = options;
  if (partitionBy !== undefined && partitionBy !== false && typeof partitionBy !== 'function') {
    throw new EventBusConfigError(`${usage}: partitionBy must be a function (event) => key, or false.`);
  }
  const keyOf: ((event: object) => string | undefined) | undefined =
    partitionBy === false
      ? undefined
      : partitionBy
        ? (payload) => toPartitionKey(partitionBy(payload))
        : event.partitionKeyOf;
  if (!keyOf) {
    if (options.lanes !== undefined || options.onExhausted !== undefined) {
      throw new EventBusConfigError(
        `${usage}: lanes and onExhausted apply to partitioned handlers, but event "${event.name}" has no partition ` +
          `key and the handler sets no partitionBy. Declare @BusEvent('${event.name}', { partitionKey }) or pass ` +
          `partitionBy.`,
      );
    }
    return undefined;
  }
  if (options.priority !== undefined || options.delay) {
    throw new EventBusConfigError(
      `${usage}: priority and delay would reorder a partitioned handler's events, which are handled in publish ` +
        `order per key. Remove them, or opt out of ordering with partitionBy: false.`,
    );
  }
  const lanes = options.lanes ?? defaults.lanes;
  assertLaneCount(`${usage} lanes`, lanes);
  const onExhausted = options.onExhausted ?? 'dead-letter';
  if (onExhausted !== 'dead-letter' && onExhausted !== 'park') {
    throw new EventBusConfigError(
      `${usage}: onExhausted must be 'dead-letter' or 'park', received ${String(onExhausted)}.`,
    );
  }
  const group = options.group ?? id;
  if (!HANDLER_ID.test(group) || /^\d+$/.test(group)) {
    throw new EventBusConfigError(`${usage}: group ${JSON.stringify(group)} is invalid (same rules as handler ids).`);
  }
  const laneQueues = Array.from({ length: lanes }, (_, lane) => laneQueueName(group, lane));
  return { keyOf, lanes, onExhausted, group, laneQueues };
}

/** `inbox: true` needs the module's `inbox` option (its store and the app's TransactionHost) where it runs. */
function checkInbox(usage: string, inbox: unknown, defaults: HandlerDefaults): boolean {
  if (inbox === undefined || inbox === false) return false;
  if (inbox !== true) {
    throw new EventBusConfigError(`${usage}: inbox must be true or false, received ${JSON.stringify(inbox)}.`);
  }
  // A publishing-only process routes the handler's jobs and never runs it: it needs no inbox.
  if (!defaults.inbox && defaults.role !== 'publisher') {
    throw new EventBusConfigError(
      `${usage}: inbox: true runs the handler in a database transaction that records the event in the inbox ` +
        `table, but the bus has no inbox configured. Set the module's inbox option with a store and the app's ` +
        `TransactionHost (whose adapter is wrapped in withEventBus): EventBusModule.forRootAsync({ inject: ` +
        `[DataSource, TransactionHost], useFactory: (dataSource, transactionHost) => ({ …, inbox: { store: new ` +
        `TypeOrmInboxStore(dataSource), transactionHost } }) }), or remove inbox: true.`,
    );
  }
  return true;
}

/** Handlers sharing a lane group share its lanes and retry policy: they must agree on both. */
export function assertConsistentGroups(handlers: readonly AnyHandlerDefinition[]): void {
  const first = new Map<string, AsyncHandlerDefinition>();
  for (const handler of handlers) {
    if (handler.kind !== 'async' || !handler.partition) continue;
    const leader = first.get(handler.partition.group);
    if (!leader) {
      first.set(handler.partition.group, handler);
      continue;
    }
    const describe = (h: AsyncHandlerDefinition) =>
      `lanes=${h.partition!.lanes} attempts=${h.delivery.attempts} backoff=${JSON.stringify(h.delivery.backoff)} ` +
      `onExhausted=${h.partition!.onExhausted}`;
    if (describe(leader) !== describe(handler)) {
      throw new EventBusConfigError(
        `Handlers "${leader.id}" and "${handler.id}" share lane group "${handler.partition.group}" but disagree ` +
          `(${describe(leader)} vs ${describe(handler)}). A group's handlers share its lanes and retry in place ` +
          `together: give them the same lanes, attempts, backoff and onExhausted.`,
      );
    }
  }
}
