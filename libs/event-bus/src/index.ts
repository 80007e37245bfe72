// Module and options
export { EventBusModule } from './module/event-bus.module';
export { EventBusManifest } from './module/event-bus-manifest';
export type { HandlerManifest, ManifestEvent, ManifestHandler } from './handlers/handler-manifest';
export {
  EVENT_BUS_MODULE_OPTIONS,
  EVENT_BUS_OPTIONS_TYPE,
  EVENT_BUS_ASYNC_OPTIONS_TYPE,
} from './module/event-bus.module-definition';
export type {
  BroadcastScope,
  EventBusModuleOptions,
  EventBusRole,
  EventJobDefaults,
  EventWorkerOptions,
  JobRetention,
  ResolvedEventBusOptions,
} from './module/event-bus-options';
export { EventBusModuleDefaults } from './module/event-bus-options';
export { resolveEventBusOptions } from './module/resolve-options';
export { RESOLVED_EVENT_BUS_OPTIONS, EVENT_CODEC } from './module/tokens';

// Publishing
export { EventBus } from './event-bus';
export type {
  PreparedEvent,
  PublishObserver,
  PublishedListener,
  PublishOptions,
  PublishReceipt,
  RefusedListener,
} from './event-bus';

// Broadcast (every node, at most once)
export { BroadcastFeed } from './broadcast/broadcast-feed';
export type { BroadcastEvent } from './broadcast/broadcast-event';
export type { BroadcastMessage } from './broadcast/broadcast-message';

// Transactions and the outbox (the ORM-specific stores are in nestjs-durable-bus/typeorm and /drizzle)
export { withEventBus } from './transactions/with-event-bus';
export type { TransactionalAdapterLike, TransactionalAdapterOptionsLike } from './transactions/with-event-bus';
export { currentTransactionScope, TransactionScope } from './transactions/transaction-scope';
export { EventBusOutbox } from './outbox/event-bus-outbox';
export { OutboxRelay } from './outbox/outbox-relay';
export type { OutboxRelayStats } from './outbox/outbox-relay';
export { OutboxDefaults } from './outbox/outbox-options';
export type { OutboxOptions, ResolvedOutboxOptions } from './outbox/outbox-options';
export type { ClaimedBatch, OutboxInsertOptions, OutboxRow, OutboxStore } from './outbox/outbox-store';
export { PostgresOutboxStore } from './outbox/postgres-outbox-store';
export type { PgClientLike, PgPoolLike, PostgresOutboxOptions, TransactionQuery } from './outbox/postgres-outbox-store';
export { DEFAULT_OUTBOX_TABLE, outboxMigrationSql } from './outbox/outbox-schema';

// The inbox (exactly-once effects; the ORM-specific stores are in nestjs-durable-bus/typeorm and /drizzle)
export { EventBusInbox } from './inbox/event-bus-inbox';
export type { InboxDuplicate, InboxStats } from './inbox/event-bus-inbox';
export { InboxDefaults } from './inbox/inbox-options';
export type { InboxOptions, ResolvedInboxOptions, TransactionHostLike } from './inbox/inbox-options';
export type { InboxStore } from './inbox/inbox-store';
export { PostgresInboxStore } from './inbox/postgres-inbox-store';
export type { PostgresInboxOptions } from './inbox/postgres-inbox-store';
export { DEFAULT_INBOX_TABLE, inboxMigrationSql } from './inbox/inbox-schema';

// Partition lanes
export { ParkedKeys } from './partitions/parked-keys';
export { laneOf, laneQueueName } from './handlers/partition-lanes';

// The event contract
export { BusEvent, getEventDefinition } from './events/bus-event.decorator';
export type { BusEventOptions, EventDefinition } from './events/bus-event.decorator';
export { BusType } from './events/bus-type.decorator';
export type { EventClass, PartitionKeyField, PartitionKeySelector, PartitionKeyValue } from './events/event-class';
export type { EventEnvelope, EventJobData } from './events/event-envelope';
export { jobIdOf } from './events/event-envelope';

// Codec
export { EventCodec } from './codec/event-codec';
export type { EncodedPayload } from './codec/event-codec';
export { defineValueType } from './codec/value-type';
export type { JsonValue, ValueType } from './codec/value-type';

// Handlers
export { OnEvent } from './handlers/on-event.decorator';
export type { EventHandlerMethod } from './handlers/on-event.decorator';
export { OnEventAsync } from './handlers/on-event-async.decorator';
export { OnEventBroadcast } from './handlers/on-event-broadcast.decorator';
export type {
  BackoffOptions,
  ExhaustedPolicy,
  OnEventAsyncOptions,
  OnEventBroadcastOptions,
  OnEventOptions,
} from './handlers/handler-options';
export type { EventContext } from './dispatch/event-context';
export type { HandlerInterceptor, InterceptedHandler } from './dispatch/handler-interceptor';
export { currentEventContext } from './dispatch/event-context';

// Transports
export { EVENT_TRANSPORT } from './transport/event-transport';
export type {
  ConsumerSpec,
  DeliveryOptions,
  EventTransport,
  LaneGroup,
  LaneSpec,
  ParkedKey,
  ReleaseMode,
  JobAttempt,
  JobProcessor,
  OutgoingJob,
  PendingJobs,
} from './transport/event-transport';
export type { BroadcastChannel } from './broadcast/broadcast-channel';
export type {
  RedisClientLike,
  RedisClusterConnection,
  RedisConnectionOptions,
  RedisConnectionSetting,
} from './transport/redis-connection-setting';
export { InMemoryTransport } from './transport/in-memory/in-memory.transport';
export type { InMemoryJob } from './transport/in-memory/in-memory.transport';

// Errors
export * from './errors';
