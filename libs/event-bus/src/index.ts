// nestjs-durable-bus: what an app uses. Writing a transport or an outbox store: `nestjs-durable-bus/transport`; the
// PostgreSQL stores: `/postgres`, `/typeorm`, `/drizzle`; the testing kit: `/testing`; the dashboard: `/dashboard`.
// docs/api.md lists every export of every entry point (`npm run api:check` keeps it so).

// Module and options
export { EventBusModule } from './module/event-bus.module';
export type { EventBusModuleAsyncOptions } from './module/event-bus.module-definition';
export { EventBusModuleDefaults } from './module/event-bus-defaults';
export { EventBusManifest } from './module/event-bus-manifest';
export type { HandlerManifest, ManifestEvent, ManifestHandler } from './handlers/handler-manifest';
export type {
  BroadcastScope,
  EventBusModuleOptions,
  EventBusRole,
  EventJobDefaults,
  EventWorkerOptions,
} from './contracts/event-bus-options';
export type {
  RedisClientLike,
  RedisClusterConnection,
  RedisConnectionOptions,
  RedisConnectionOptionsWithExtras,
  RedisConnectionSetting,
} from './contracts/redis-connection-setting';
export type { BackoffOptions, ExhaustedPolicy, JobRetention } from './contracts/delivery';

// Publishing
export { EventBus } from './publishing/event-bus';
export type { PublishReceipt } from './contracts/publish-receipt';
export type { PreparedEvent, PublishOptions } from './publishing/job-planner';
export type { PublishObserver, PublishedListener, RefusedListener } from './publishing/publish-hooks';

// The event contract
export { BusEvent } from './events/bus-event.decorator';
export type { BusEventOptions } from './events/bus-event.decorator';
export { BusType } from './events/bus-type.decorator';
export type { EventClass, PartitionKeyField, PartitionKeySelector, PartitionKeyValue } from './events/event-class';
export { defineValueType } from './codec/value-type';
export type { JsonValue, ValueType } from './contracts/value-type';

// Handlers
export { OnEvent } from './handlers/on-event.decorator';
export type { EventHandlerMethod } from './handlers/on-event.decorator';
export { OnEventAsync } from './handlers/on-event-async.decorator';
export { OnEventBroadcast } from './handlers/on-event-broadcast.decorator';
export type { OnEventAsyncOptions, OnEventBroadcastOptions, OnEventOptions } from './handlers/handler-options';
export type { EventContext } from './contracts/event-context';
export { currentEventContext } from './dispatch/event-context';
export type { HandlerInterceptor, InterceptedHandler } from './contracts/handler-interceptor';

// Broadcast (every node, at most once)
export { BroadcastFeed } from './broadcast/broadcast-feed';
export type { BroadcastEvent } from './broadcast/broadcast-event';

// Partition lanes
export { ParkedKeys } from './partitions/parked-keys';
export type { ParkedKey, ReleaseMode } from './contracts/event-transport';

// Transactions, the outbox and the inbox (their stores: /postgres, /typeorm, /drizzle, or your own from /transport)
export { withEventBus } from './transactions/with-event-bus';
export type {
  TransactionalAdapterLike,
  TransactionalAdapterOptionsLike,
  TransactionBody,
} from './transactions/with-event-bus';
export { EventBusOutbox } from './outbox/event-bus-outbox';
export type { OutboxRelay, OutboxRelayStats } from './outbox/outbox-relay';
export { OutboxDefaults } from './contracts/outbox-options';
export type { OutboxOptions } from './contracts/outbox-options';
export { EventBusInbox } from './inbox/event-bus-inbox';
export type { InboxDuplicate, InboxStats } from './inbox/event-bus-inbox';
export { InboxDefaults } from './contracts/inbox-options';
export type { InboxOptions, TransactionHostLike } from './contracts/inbox-options';

// Observability (OpenTelemetry traces and metrics; the health indicator is in nestjs-durable-bus/terminus)
export { BusTelemetryNames } from './contracts/telemetry-names';
export type { TelemetryOptions } from './contracts/telemetry-options';
export type { TraceContext } from './dispatch/trace-context';

// Errors
export * from './errors';
