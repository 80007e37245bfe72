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
  ResolvedEventBusOptions,
} from './contracts/event-bus-options';
export type { JobRetention } from './contracts/delivery';
export { EventBusModuleDefaults } from './module/event-bus-defaults';
export { resolveEventBusOptions } from './module/resolve-options';
export { RESOLVED_EVENT_BUS_OPTIONS, EVENT_CODEC } from './contracts/tokens';

// Publishing
export { EventBus } from './publishing/event-bus';
export type { PublishReceipt } from './publishing/event-bus';
export type { PreparedEvent, PublishOptions } from './publishing/job-planner';
export type { PublishObserver, PublishedListener, RefusedListener } from './publishing/publish-hooks';

// Broadcast (every node, at most once)
export { BroadcastFeed } from './broadcast/broadcast-feed';
export type { BroadcastEvent } from './broadcast/broadcast-event';
export type { BroadcastMessage } from './contracts/broadcast-message';

// Transactions and the outbox (the ORM-specific stores are in nestjs-durable-bus/typeorm and /drizzle)
export { withEventBus } from './transactions/with-event-bus';
export type { TransactionalAdapterLike, TransactionalAdapterOptionsLike } from './transactions/with-event-bus';
export { currentTransactionScope, TransactionScope } from './transactions/transaction-scope';
export { EventBusOutbox } from './outbox/event-bus-outbox';
export { OutboxRelay } from './outbox/outbox-relay';
export type { OutboxRelayStats } from './outbox/outbox-relay';
export { OutboxDefaults } from './contracts/outbox-options';
export type { OutboxOptions, ResolvedOutboxOptions } from './contracts/outbox-options';
export type { ClaimedBatch, OutboxInsertOptions, OutboxRow, OutboxStore } from './contracts/outbox-store';
export { PostgresOutboxStore } from './postgres/postgres-outbox-store';
export type {
  PgClientLike,
  PgPoolLike,
  PostgresOutboxOptions,
  TransactionQuery,
} from './postgres/postgres-outbox-store';
export { DEFAULT_OUTBOX_TABLE, outboxMigrationSql } from './postgres/outbox-schema';

// The inbox (exactly-once effects; the ORM-specific stores are in nestjs-durable-bus/typeorm and /drizzle)
export { EventBusInbox } from './inbox/event-bus-inbox';
export type { InboxDuplicate, InboxStats } from './inbox/event-bus-inbox';
export { InboxDefaults } from './contracts/inbox-options';
export type { InboxOptions, ResolvedInboxOptions, TransactionHostLike } from './contracts/inbox-options';
export type { InboxStore } from './contracts/inbox-store';
export { PostgresInboxStore } from './postgres/postgres-inbox-store';
export type { PostgresInboxOptions } from './postgres/postgres-inbox-store';
export { DEFAULT_INBOX_TABLE, inboxMigrationSql } from './postgres/inbox-schema';

// Partition lanes
export { ParkedKeys } from './partitions/parked-keys';
export { laneOf, laneQueueName } from './contracts/lane-names';

// The event contract
export { BusEvent, getEventDefinition } from './events/bus-event.decorator';
export type { BusEventOptions, EventDefinition } from './events/bus-event.decorator';
export { BusType } from './events/bus-type.decorator';
export type { EventClass, PartitionKeyField, PartitionKeySelector, PartitionKeyValue } from './events/event-class';
export type { EventEnvelope, EventJobData } from './contracts/event-envelope';
export { jobIdOf } from './contracts/event-envelope';

// Codec
export { EventCodec } from './codec/event-codec';
export type { EncodedPayload } from './contracts/event-envelope';
export { defineValueType } from './codec/value-type';
export type { JsonValue, ValueType } from './contracts/value-type';

// Handlers
export { OnEvent } from './handlers/on-event.decorator';
export type { EventHandlerMethod } from './handlers/on-event.decorator';
export { OnEventAsync } from './handlers/on-event-async.decorator';
export { OnEventBroadcast } from './handlers/on-event-broadcast.decorator';
export type { OnEventAsyncOptions, OnEventBroadcastOptions, OnEventOptions } from './handlers/handler-options';
export type { BackoffOptions, ExhaustedPolicy } from './contracts/delivery';
export type { EventContext } from './contracts/event-context';
export type { HandlerInterceptor, InterceptedHandler } from './contracts/handler-interceptor';
export { currentEventContext } from './dispatch/event-context';

// Transports
export { EVENT_TRANSPORT } from './contracts/event-transport';
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
} from './contracts/event-transport';
export type { BroadcastChannel } from './contracts/broadcast-channel';
export { InMemoryTransport } from './transport/in-memory/in-memory.transport';
export type { InMemoryJob } from './transport/in-memory/in-memory.transport';

// Errors
export * from './errors';
