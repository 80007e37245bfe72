import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EventBusConfigError } from '../errors';
import { EventDefinition, requireEventDefinition, toPartitionKey } from '../events/bus-event.decorator';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { assertLaneCount, assertNonNegativeInteger, assertPositiveInteger, normalizeBackoff } from '../contracts/option-checks';
import { EventHandlersAccessor } from './event-handlers.accessor';
import {
  AsyncHandlerDefinition,
  BroadcastHandlerDefinition,
  HandlerDefinition,
  PartitionDefinition,
  SyncHandlerDefinition,
} from './handler-definition';
import { OnEventAsyncOptions } from './handler-options';
import { laneQueueName } from '../contracts/lane-names';
import { HandlerSubscription } from './handler-metadata';
import { HandlerRegistry } from './handler-registry';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

const HANDLER_ID = /^[A-Za-z_][A-Za-z0-9_.@-]{0,199}$/;
const MAX_PRIORITY = 2_097_152;
const DECORATOR_OF = { sync: 'OnEvent', async: 'OnEventAsync', broadcast: 'OnEventBroadcast' } as const;

type AnyHandlerDefinition = HandlerDefinition | BroadcastHandlerDefinition;

/**
 * Finds the `@OnEvent`/`@OnEventAsync`/`@OnEventBroadcast` methods of every provider once, at bootstrap, and builds the immutable
 * {@link HandlerRegistry}. Misuse (duplicate handler ids, handlers on request-scoped or transient providers, bad
 * options, event classes without `@BusEvent`) fails the boot with a message that says how to fix it.
 */
@Injectable()
export class EventHandlersExplorer {
  private registry: HandlerRegistry | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: EventHandlersAccessor,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  /** The registry, discovered on first use (bootstrap, or an earlier `publish` from an `onModuleInit`). */
  getRegistry(): HandlerRegistry {
    if (!this.registry) {
      const found = this.explore();
      const isBroadcast = (h: AnyHandlerDefinition): h is BroadcastHandlerDefinition => h.kind === 'broadcast';
      this.registry = new HandlerRegistry(
        found.filter((h): h is HandlerDefinition => !isBroadcast(h)),
        found.filter(isBroadcast),
      );
    }
    return this.registry;
  }

  /** Instances of every provider, for other discoveries (the event-emitter bridge). */
  providerInstances(): unknown[] {
    return this.discovery
      .getProviders()
      .filter((wrapper) => !wrapper.isAlias && wrapper.isDependencyTreeStatic())
      .map((wrapper) => wrapper.instance as unknown);
  }

  private explore(): AnyHandlerDefinition[] {
    const handlers: AnyHandlerDefinition[] = [];
    const seenMethods = new Set<unknown>();
    const ids = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (wrapper.isAlias || !instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const subscriptions = this.accessor.getSubscriptions(method);
        if (subscriptions.length === 0) continue;
        const className = instance.constructor?.name || String(wrapper.name);
        const location = `${className}.${methodName}`;
        this.assertStaticScope(wrapper, location);
        // The same instance may be reachable through several wrappers (useExisting, re-exports).
        if (seenMethods.has(method) && handlers.some((h) => h.location === location)) continue;
        seenMethods.add(method);
        for (const subscription of subscriptions) {
          const handler = this.define(subscription, subscriptions.length > 1, location, instance, methodName);
          const previous = ids.get(handler.id);
          if (previous) {
            throw new EventBusConfigError(
              `Duplicate event handler id "${handler.id}" (${previous} and ${location}). Handler ids name queues and ` +
                `job ids, so they must be unique: pass a distinct { id } to one of the decorators.`,
            );
          }
          ids.set(handler.id, location);
          handlers.push(handler);
        }
      }
    }
    assertConsistentGroups(handlers);
    return handlers;
  }

  private definePartition(
    usage: string,
    id: string,
    event: EventDefinition,
    options: OnEventAsyncOptions,
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
    const lanes = options.lanes ?? this.options.lanes;
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
  private checkInbox(usage: string, inbox: unknown): boolean {
    if (inbox === undefined || inbox === false) return false;
    if (inbox !== true) {
      throw new EventBusConfigError(`${usage}: inbox must be true or false, received ${JSON.stringify(inbox)}.`);
    }
    // A publishing-only process routes the handler's jobs and never runs it: it needs no inbox.
    if (!this.options.inbox && this.options.role !== 'publisher') {
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

  private assertStaticScope(wrapper: InstanceWrapper, location: string): void {
    if (wrapper.isTransient || !wrapper.isDependencyTreeStatic()) {
      throw new EventBusConfigError(
        `Event handler ${location} is on a ${wrapper.isTransient ? 'transient' : 'request-scoped'} provider ` +
          `(directly or through one of its dependencies). Event handlers run outside any HTTP request, so the bus ` +
          `refuses them rather than call them with undefined dependencies. Move the handler to a singleton provider ` +
          `and resolve request-scoped services there with ModuleRef.resolve() if you need them.`,
      );
    }
  }

  private define(
    subscription: HandlerSubscription,
    sharedMethod: boolean,
    location: string,
    instance: Record<string, unknown>,
    methodName: string,
  ): AnyHandlerDefinition {
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
    const defaults = this.options.defaultJobOptions;
    const attempts = options.attempts ?? defaults.attempts;
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
    const concurrency = options.concurrency ?? this.options.concurrency;
    assertPositiveInteger(`${usage} concurrency`, concurrency);
    const partition = this.definePartition(usage, id, event, options);
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
      inbox: this.checkInbox(usage, options.inbox),
      delivery: {
        attempts,
        backoff: normalizeBackoff(`${usage} backoff`, options.backoff ?? defaults.backoff),
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
        ...(options.delay ? { delay: options.delay } : {}),
        removeOnComplete: defaults.removeOnComplete,
        removeOnFail: defaults.removeOnFail,
      },
    };
    return handler;
  }
}

/** Handlers sharing a lane group share its lanes and retry policy: they must agree on both. */
function assertConsistentGroups(handlers: readonly AnyHandlerDefinition[]): void {
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
