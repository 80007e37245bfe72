/**
 * The names the bus reports under in OpenTelemetry: its instrumentation scope, its span attributes beyond the
 * messaging semantic conventions, and its metrics. Listed on docs/operating.md.
 */
export const BusTelemetryNames = {
  /** Instrumentation scope (tracer and meter name). */
  scope: 'nestjs-durable-bus',
  attributes: {
    eventName: 'bus.event.name',
    handlerId: 'bus.handler.id',
    handlerMode: 'bus.handler.mode',
    attempt: 'bus.attempt',
    maxAttempts: 'bus.max_attempts',
    partitionKey: 'bus.partition.key',
    correlationId: 'bus.correlation_id',
    outcome: 'bus.outcome',
    queue: 'bus.queue',
  },
  metrics: {
    published: 'bus.events.published',
    handled: 'bus.handler.handled',
    failed: 'bus.handler.failed',
    retried: 'bus.handler.retried',
    deadLettered: 'bus.handler.dead_lettered',
    parked: 'bus.handler.parked',
    duration: 'bus.handler.duration',
    lag: 'bus.handler.lag',
    queueWaiting: 'bus.queue.waiting',
    queueDelayed: 'bus.queue.delayed',
    queueActive: 'bus.queue.active',
    queueFailed: 'bus.queue.failed',
    outboxBacklog: 'bus.outbox.backlog',
    outboxOldestAge: 'bus.outbox.oldest_age',
  },
} as const;
