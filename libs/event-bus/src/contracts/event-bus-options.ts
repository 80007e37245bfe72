import type { Type } from '@nestjs/common';
import type { HandlerInterceptor } from './handler-interceptor';
import { ValueType } from './value-type';
import { EventTransport } from './event-transport';
import type { RedisConnectionSetting } from './redis-connection-setting';
import type { JobRetention } from './delivery';
import { BackoffOptions } from './delivery';
import type { OutboxOptions, ResolvedOutboxOptions } from './outbox-options';
import type { InboxOptions, ResolvedInboxOptions } from './inbox-options';
import type { TelemetryOptions } from './telemetry-options';

/**
 * Which events are broadcast to every node: `'handled'`, those with an `@OnEventBroadcast` handler; `'all'`, every
 * published event (for a `BroadcastFeed` of everything, at one extra Redis write per publish).
 */
export type BroadcastScope = 'handled' | 'all';

/** Which side of the bus a process takes on. `publish` works in every role (handlers publish follow-ups). */
export type EventBusRole = 'publisher' | 'consumer' | 'both';

export type { JobRetention } from './delivery';

/** Job options every async handler starts from; a handler's own options override them. */
export interface EventJobDefaults {
  /** Total tries, first included. Default 5. */
  readonly attempts?: number;
  /** Default exponential, 1000 ms. */
  readonly backoff?: number | BackoffOptions;
  /**
   * Completed jobs kept. Default `{ age: 86400 }` (one day): within that window a re-published event id is not
   * enqueued again.
   */
  readonly removeOnComplete?: JobRetention;
  /** Failed jobs kept. Default `false` (kept until you retry or remove them). */
  readonly removeOnFail?: JobRetention;
}

/** Worker tuning, passed to every BullMQ Worker. */
export interface EventWorkerOptions {
  /** Ms a job's lock lasts before the job counts as stalled. BullMQ default 30000. */
  readonly lockDuration?: number;
  /** Ms between stalled-job checks. BullMQ default 30000. */
  readonly stalledInterval?: number;
  /** Times a job may stall before it is failed. BullMQ default 1. */
  readonly maxStalledCount?: number;
}

/** Options of `EventBusModule.forRoot` / `forRootAsync`. Defaults: {@link EventBusModuleDefaults}. */
export interface EventBusModuleOptions {
  /**
   * `'bullmq'` (durable, default), `'in-memory'` (async handlers run in this process after the publish, with the
   * same retry semantics, nothing survives a restart: for dev, seeds and fast tests), or your own transport.
   */
  readonly transport?: 'bullmq' | 'in-memory' | EventTransport;
  /**
   * Redis for the BullMQ transport: a URL (`redis://host:6379/0`), ioredis options, or an ioredis instance you own
   * (the bus will not close it). Required with the BullMQ transport.
   */
  readonly connection?: RedisConnectionSetting;
  /** Key prefix of every queue. Default `'bus'`. No `:`. */
  readonly prefix?: string;
  /** Default `'both'`. `'publisher'` starts no workers; `'consumer'` and `'both'` start one per async handler. */
  readonly role?: EventBusRole;
  readonly defaultJobOptions?: EventJobDefaults;
  /** Default per-handler concurrency of a worker process. Default 10. */
  readonly concurrency?: number;
  /**
   * Default number of partition lanes of a handler whose events carry a partition key: different keys run in
   * parallel up to this many, the same key one at a time. Default 8.
   */
  readonly lanes?: number;
  /** Ms `app.close()` waits for in-flight handlers before leaving them to be retried. Default 10000. */
  readonly shutdownTimeout?: number;
  /**
   * Ms a publish (or the write after a transaction's commit) waits for Redis before it rejects with a
   * `PublishTimeoutError`, so a request fails fast during an outage instead of hanging. Default 5000.
   */
  readonly publishTimeout?: number;
  /**
   * Publishes waiting for Redis at most (held while it is down, or in flight); beyond, `publish` rejects at once with
   * a `PublishQueueFullError`, so an outage cannot fill the heap. Default 10000.
   */
  readonly maxPendingPublishes?: number;
  /**
   * Deepest an event may be in its chain (events published by handlers of events, under one correlation id; the
   * event that starts a chain is 1). A publish deeper than this is refused with an `EventCycleError`, so handlers that
   * publish each other's events in a loop stop instead of running forever. Default 32.
   */
  readonly maxChainDepth?: number;
  /**
   * Wrap every handler call (sync, async, broadcast; in workers, `publish` and the testing kit): instances, or
   * classes of the app's providers (taken from its injector at init). The first is outermost.
   */
  readonly interceptors?: readonly (HandlerInterceptor | Type<HandlerInterceptor>)[];
  /** Types the codec carries that fields cannot express (Decimal and the like). */
  readonly valueTypes?: readonly ValueType[];
  /**
   * Largest encoded size of an event's fields, in bytes (UTF-8 JSON of the job's `payload` and `types`), for events
   * without their own `@BusEvent(name, { maxPayloadBytes })`. A larger event is refused at `publish` with an
   * `EventEncodingError`, before anything is written. Default 1048576 (1 MiB).
   */
  readonly maxPayloadBytes?: number;
  /**
   * When the app also uses `EventEmitterModule` (@nestjs/event-emitter), every published event is also emitted
   * there under its wire name (awaited, after the sync handlers), so plain `@OnEvent('<wire name>')` listeners keep
   * working while you move them over. Default true.
   */
  readonly eventEmitterBridge?: boolean;
  /** Log the handler manifest at boot. Default true. */
  readonly logManifest?: boolean;
  /**
   * Which published events are broadcast to every node (`@OnEventBroadcast` handlers and `BroadcastFeed`):
   * `'handled'` (default) those with a broadcast handler in this app, `'all'` every event.
   */
  readonly broadcast?: BroadcastScope;
  readonly worker?: EventWorkerOptions;
  /**
   * The transactional outbox: jobs of publishes made inside a transaction are inserted into an outbox table in that
   * transaction, and a relay moves them to the transport after the commit. Needs the transactional adapter wrapped
   * in `withEventBus`. Off by default (jobs of a transaction are then written right after its commit).
   */
  readonly outbox?: OutboxOptions;
  /**
   * The transactional inbox, for handlers declared with `{ inbox: true }`: each runs in a database transaction that
   * first records `(handler id, event id)`, so a redelivered job does not repeat its database work. Off by default.
   */
  readonly inbox?: InboxOptions;
  /**
   * OpenTelemetry traces and metrics (`@opentelemetry/api`, an optional peer): on when an SDK is registered before
   * the app is created, free otherwise. Default `{ tracing: true, metrics: true }`.
   */
  readonly telemetry?: TelemetryOptions;
}

/** Options after defaults were applied and values checked. */
export type ResolvedEventBusOptions = Omit<
  Required<EventBusModuleOptions>,
  'connection' | 'defaultJobOptions' | 'outbox' | 'inbox' | 'telemetry'
> & {
  readonly telemetry: Required<TelemetryOptions>;
  readonly connection: EventBusModuleOptions['connection'];
  readonly defaultJobOptions: Required<EventJobDefaults>;
  readonly outbox: ResolvedOutboxOptions | undefined;
  readonly inbox: ResolvedInboxOptions | undefined;
};
