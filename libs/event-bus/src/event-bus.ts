import { Inject, Injectable } from '@nestjs/common';
import { EventCodec, EncodedPayload } from './codec/event-codec';
import { currentEventContext, newEnvelope } from './dispatch/event-context';
import { HandlerInvoker } from './dispatch/handler-invoker';
import { EventBusError, EventCycleError } from './errors';
import { requireEventDefinition } from './events/bus-event.decorator';
import { classOf } from './events/event-class';
import { EventEnvelope, jobIdOf, toJobData } from './events/event-envelope';
import { EventEmitterBridge } from './bridge/event-emitter.bridge';
import { EventHandlersExplorer } from './handlers/event-handlers.explorer';
import { AsyncHandlerDefinition } from './handlers/handler-definition';
import { laneOf } from './handlers/partition-lanes';
import { ResolvedEventBusOptions } from './module/event-bus-options';
import { EVENT_CODEC, RESOLVED_EVENT_BUS_OPTIONS } from './module/tokens';
import { EventBusOutbox } from './outbox/event-bus-outbox';
import { BusTelemetry } from './telemetry/bus-telemetry';
import { currentTransactionScope, TransactionScope } from './transactions/transaction-scope';
import { EVENT_TRANSPORT, EventTransport, OutgoingJob } from './transport/event-transport';

/** Options of one `publish`/`publishAll` call. */
export interface PublishOptions {
  /**
   * Correlation id for events that start a chain (no handler is running). Default: inside a handler, the handled
   * event's correlation id; otherwise the event's own id.
   */
  readonly correlationId?: string;
}

/** What a publish did, for logs and for callers who need the ids. */
export interface PublishReceipt {
  readonly eventId: string;
  readonly eventName: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** One per interested async handler (those whose filter passed), in registry order. */
  readonly jobs: readonly { readonly handlerId: string; readonly jobId: string }[];
}

/** An event ready to go: its envelope and the jobs it will become. Observers see it before the sync handlers run. */
export interface PreparedEvent {
  readonly event: object;
  readonly envelope: EventEnvelope;
  readonly jobs: readonly OutgoingJob[];
}

/**
 * Sees every event a `publish`/`publishAll` accepted (checked and encoded), synchronously, before its sync handlers
 * run, in the caller's call stack. For tooling: the testing kit records with it; tracing could too.
 */
export type PublishObserver = (prepared: PreparedEvent) => void;

/**
 * Sees every event whose publish failed after the observers saw it, with the error the publish rejects with: a sync
 * handler or a bridged listener threw, or the jobs could not be written. Nothing async was dispatched for it. For
 * tooling: the testing kit records such an event as refused, not published. Called synchronously; it must not throw.
 */
export type RefusedListener = (prepared: PreparedEvent, error: unknown) => void;

/**
 * Sees every event once its publish succeeded: sync handlers done, async jobs stored. Called synchronously, before
 * the publish's promise resolves; it must not throw (the broadcaster relays events from here).
 */
export type PublishedListener = (prepared: PreparedEvent) => void;

/**
 * Events whose publish made jobs keep their envelope, so publishing the same instance again (say, after a failed
 * write) maps to the same job ids and BullMQ skips the ones already stored. It sits on the event itself, in a
 * non-enumerable symbol property (invisible to spreads, `Object.keys`, JSON, the codec and Jest's `toStrictEqual`),
 * next to the event it belongs to, so that a copy made with its property descriptors, or an object whose prototype is
 * the event, does not pass for it; frozen events (and Proxies that refuse the property) fall back to a WeakMap.
 * Events without jobs keep nothing: there is nothing to deduplicate, and on the sync-only path a WeakMap entry per
 * event made the garbage collector the biggest cost of a publish (bench scenario 1: 0.55× of @nestjs/event-emitter).
 */
const ENVELOPE = Symbol('nestjs-durable-bus:envelope');
const frozenEnvelopes = new WeakMap<object, EventEnvelope>();

/** What the property holds: the envelope, and the event it belongs to (copies and `Object.create` children differ). */
interface KeptEnvelope {
  readonly owner: object;
  readonly envelope: EventEnvelope;
}

function knownEnvelope(event: object): EventEnvelope | undefined {
  const kept = (event as { [ENVELOPE]?: KeptEnvelope })[ENVELOPE];
  if (kept?.owner === event) return kept.envelope;
  return frozenEnvelopes.get(event);
}

function keepEnvelope(event: object, envelope: EventEnvelope): void {
  if (Object.isExtensible(event)) {
    try {
      Object.defineProperty(event, ENVELOPE, { value: { owner: event, envelope } satisfies KeptEnvelope });
      return;
    } catch {
      // A Proxy may refuse the property: the WeakMap takes it.
    }
  }
  frozenEnvelopes.set(event, envelope);
}

/**
 * Publishes events: runs the sync handlers in order inside the call, then hands one job per interested async
 * handler to the transport in a single write.
 */
@Injectable()
export class EventBus {
  private observers: readonly PublishObserver[] = [];
  private publishedListeners: readonly PublishedListener[] = [];
  private refusedListeners: readonly RefusedListener[] = [];

  constructor(
    private readonly explorer: EventHandlersExplorer,
    private readonly invoker: HandlerInvoker,
    private readonly bridge: EventEmitterBridge,
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    private readonly outbox: EventBusOutbox,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly telemetry: BusTelemetry,
  ) {}

  /**
   * Publishes one event. Resolves once the sync handlers succeeded and the async jobs are stored. Rejects with an
   * `EventEncodingError` (nothing written, no handler ran) when the payload cannot be encoded, and with a
   * `SyncHandlerError` when a sync handler throws (later sync handlers skipped, nothing async dispatched).
   *
   * Inside a transaction (a `withEventBus`-wrapped `@nestjs-cls/transactional` adapter opened it), the sync handlers
   * run in that transaction and the async jobs are stored in the outbox through it (outbox on) or written after it
   * commits (outbox off); a rollback drops them.
   */
  publish(event: object, options: PublishOptions = {}): Promise<PublishReceipt> {
    if (!this.telemetry.active) return this.publishOne(event, options);
    return this.telemetry.publishing([event], () => this.publishOne(event, options));
  }

  private async publishOne(event: object, options: PublishOptions): Promise<PublishReceipt> {
    // publishAll([event]) step for step, without its arrays and its extra await: most publishes are of one event,
    // and that cost a quarter of a sync publish (bench scenario 1).
    const prepared = this.prepare(event, options);
    for (const observer of this.observers) observer(prepared);
    try {
      const pending = this.runSyncHandlers(prepared);
      if (pending) await pending;
      if (prepared.jobs.length > 0) await this.dispatch(prepared.jobs);
    } catch (error) {
      this.notifyRefused([prepared], error);
      throw error;
    }
    this.notifyPublished([prepared]);
    return receiptOf(prepared);
  }

  /**
   * Publishes several events as one unit: all are checked and encoded first, then the sync handlers of each run in
   * turn, then every async job of every event is written in one round trip. If any step fails nothing async is
   * dispatched for any of them.
   */
  publishAll(events: readonly object[], options: PublishOptions = {}): Promise<PublishReceipt[]> {
    if (!this.telemetry.active) return this.publishMany(events, options);
    return this.telemetry.publishing(events, () => this.publishMany(events, options));
  }

  private async publishMany(events: readonly object[], options: PublishOptions): Promise<PublishReceipt[]> {
    const prepared = events.map((event) => this.prepare(event, options));
    for (const item of prepared) for (const observer of this.observers) observer(item);
    try {
      for (const item of prepared) {
        const pending = this.runSyncHandlers(item);
        if (pending) await pending;
      }
      const jobs = prepared.flatMap((item) => item.jobs);
      if (jobs.length > 0) await this.dispatch(jobs);
    } catch (error) {
      this.notifyRefused(prepared, error);
      throw error;
    }
    this.notifyPublished(prepared);
    return prepared.map(receiptOf);
  }

  /** Registers an observer of published events; returns the function that removes it. */
  observe(observer: PublishObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((other) => other !== observer);
    };
  }

  /** Registers a listener of successfully published events; returns the function that removes it. */
  onPublished(listener: PublishedListener): () => void {
    this.publishedListeners = [...this.publishedListeners, listener];
    return () => {
      this.publishedListeners = this.publishedListeners.filter((other) => other !== listener);
    };
  }

  /** Registers a listener of refused publishes ({@link RefusedListener}); returns the function that removes it. */
  onRefused(listener: RefusedListener): () => void {
    this.refusedListeners = [...this.refusedListeners, listener];
    return () => {
      this.refusedListeners = this.refusedListeners.filter((other) => other !== listener);
    };
  }

  private notifyRefused(prepared: readonly PreparedEvent[], error: unknown): void {
    for (const item of prepared) for (const listener of this.refusedListeners) listener(item, error);
  }

  /**
   * Tells the published-listeners (broadcast) about events whose publish succeeded: now, or, inside a transaction,
   * once it commits (nothing when it rolls back), so no node hears of an event that never happened.
   */
  private notifyPublished(prepared: readonly PreparedEvent[]): void {
    if (this.publishedListeners.length === 0) return;
    const notify = () => {
      for (const item of prepared) for (const listener of this.publishedListeners) listener(item);
    };
    const scope = currentTransactionScope();
    if (scope) scope.afterCommit(notify);
    else notify();
  }

  /**
   * Writes the jobs now, or, inside a transaction opened by a `withEventBus` adapter, stores them in the outbox
   * through that transaction (outbox on) or keeps them until it commits (outbox off).
   */
  private dispatch(jobs: readonly OutgoingJob[]): Promise<void> {
    const scope = currentTransactionScope();
    if (!scope) return this.transport.dispatch(jobs);
    return this.dispatchInTransaction(scope, jobs);
  }

  private async dispatchInTransaction(scope: TransactionScope, jobs: readonly OutgoingJob[]): Promise<void> {
    if (this.outbox.enabled) return this.outbox.insert(scope, jobs);
    scope.defer(this.transport, jobs);
  }

  private cycleError(envelope: EventEnvelope): EventCycleError {
    const parent = currentEventContext.getStore()!; // depth > 1: a handler is running
    return new EventCycleError(envelope.name, envelope.correlationId, envelope.depth, this.options.maxChainDepth, {
      handlerId: parent.handlerId,
      eventName: parent.eventName,
    });
  }

  private prepare(event: object, options: PublishOptions): PreparedEvent {
    if (event === null || typeof event !== 'object') {
      throw new EventBusError(
        `EventBus.publish expects an event instance (a class decorated with @BusEvent), received ${event === null ? 'null' : typeof event}.`,
      );
    }
    const definition = requireEventDefinition(classOf(event), 'EventBus.publish');
    const known = knownEnvelope(event);
    const envelope = known ?? newEnvelope(event, definition, options.correlationId);
    if (envelope.depth > this.options.maxChainDepth) throw this.cycleError(envelope);
    const registry = this.explorer.getRegistry();
    const subscribed = registry.asyncHandlersOf(definition.name);
    if (subscribed.length === 0) return { event, envelope, jobs: NO_JOBS };
    const interested = subscribed.filter((handler) => passesFilter(handler, event));
    if (interested.length === 0) return { event, envelope, jobs: NO_JOBS };
    if (!known) keepEnvelope(event, envelope);
    const payload: EncodedPayload = this.codec.encode(definition.name, event, definition.maxPayloadBytes);
    const jobs = interested.map((handler): OutgoingJob => {
      const key = handler.partition?.keyOf(event);
      return {
        queue: key === undefined ? handler.queue : laneQueueOf(handler, key),
        name: definition.name,
        jobId: jobIdOf(envelope.id, handler.id),
        data: toJobData(envelope, handler.id, payload, key),
        options: handler.delivery,
        ordered: key !== undefined,
      };
    });
    return { event, envelope, jobs };
  }

  /**
   * Runs the sync handlers from `from` on, one at a time, then the bridged listeners. Stays synchronous (returns
   * `undefined`) until a handler returns a promise, so plain handlers cost no promise each.
   */
  private runSyncHandlers(prepared: PreparedEvent, from = 0): Promise<void> | undefined {
    const { event, envelope } = prepared;
    const handlers = this.explorer.getRegistry().syncHandlersOf(envelope.name);
    for (let index = from; index < handlers.length; index++) {
      const pending = this.invoker.invokeSync(handlers[index]!, event, envelope);
      if (pending) return pending.then(() => this.runSyncHandlers(prepared, index + 1));
    }
    return this.bridge.emit(envelope, event);
  }
}

const NO_JOBS: readonly OutgoingJob[] = Object.freeze([]);

function passesFilter(handler: AsyncHandlerDefinition, event: object): boolean {
  if (!handler.filter) return true;
  let verdict: unknown;
  try {
    verdict = handler.filter(event);
  } catch (error) {
    throw new EventBusError(
      `The filter of async handler "${handler.id}" threw for event "${handler.event.name}": ` +
        `${(error as Error)?.message ?? String(error)}. Filters must be pure, total functions of the event.`,
      { cause: error },
    );
  }
  if (typeof verdict !== 'boolean') {
    throw new EventBusError(
      `The filter of async handler "${handler.id}" returned ${typeof verdict}, not a boolean. ` +
        `Filters run synchronously at publish: return true or false, not a promise.`,
    );
  }
  return verdict;
}

function laneQueueOf(handler: AsyncHandlerDefinition, key: string): string {
  const partition = handler.partition!;
  return partition.laneQueues[laneOf(key, partition.lanes)]!;
}

function receiptOf({ envelope, jobs }: PreparedEvent): PublishReceipt {
  return {
    eventId: envelope.id,
    eventName: envelope.name,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    jobs: jobs.map((job) => ({ handlerId: job.data.handler, jobId: job.jobId })),
  };
}
