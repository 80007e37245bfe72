/** What a handler knows about the delivery it is running for (second argument of every handler). */
export interface EventContext {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventVersion: number;
  readonly occurredAt: Date;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  readonly partitionKey: string | undefined;
  /** Where the event is in its chain: 1 when published outside a handler, n + 1 when published by a handler of n. */
  readonly depth: number;
  readonly handlerId: string;
  /** `'broadcast'`: an `@OnEventBroadcast` handler, on every node, at most once. */
  readonly mode: 'sync' | 'async' | 'broadcast';
  /** 1 on the first try, 2 on the first retry, and so on. Always 1 for sync and broadcast handlers. */
  readonly attempt: number;
  /** How many tries this delivery gets in all. 1 for sync and broadcast handlers. */
  readonly maxAttempts: number;
  /**
   * W3C trace context of the event's publish, when it was traced and this process traces (OpenTelemetry): for logs
   * that name the trace.
   */
  readonly traceparent?: string;
  readonly tracestate?: string;
}
