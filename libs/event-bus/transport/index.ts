/**
 * nestjs-durable-bus/transport: for code that plugs into the bus rather than uses it: a transport for another broker
 * (the contract BullMQ and in-memory implement), an outbox or inbox store for another database, a broadcast channel,
 * and the job data they carry. An app does not need this entry point.
 */
export { EVENT_TRANSPORT, UnreadableJobData } from '../src/contracts/event-transport';
export type {
  ConsumerSpec,
  ConsumerStatus,
  DeliveryOptions,
  EventTransport,
  JobAttempt,
  JobProcessor,
  LaneGroup,
  LaneSpec,
  OutgoingJob,
  PendingJobs,
} from '../src/contracts/event-transport';
export type { EncodedPayload, EventEnvelope, EventJobData } from '../src/contracts/event-envelope';
export { jobIdOf } from '../src/contracts/event-envelope';
export { laneOf, laneQueueName } from '../src/contracts/lane-names';
export type { BroadcastChannel } from '../src/contracts/broadcast-channel';
export type { BroadcastMessage } from '../src/contracts/broadcast-message';
export type {
  ClaimedBatch,
  OutboxClaimOptions,
  OutboxInsertOptions,
  OutboxRow,
  OutboxStore,
} from '../src/contracts/outbox-store';
export type { InboxStore } from '../src/contracts/inbox-store';
export { InMemoryTransport } from '../src/transport/in-memory/in-memory.transport';
export type { InMemoryJob } from '../src/transport/in-memory/in-memory.transport';
