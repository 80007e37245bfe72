/** Thresholds of {@link EventBusHealthIndicator.isHealthy}. Defaults: {@link EventBusHealthDefaults}. */
export interface EventBusHealthOptions {
  /** Ms each check (Redis PING, outbox query, parked keys) may take before it counts as failed. Default 2000. */
  readonly timeout?: number;
  /** Outbox rows not relayed yet, at most. Default 10000. */
  readonly maxOutboxBacklog?: number;
  /** Ms the oldest pending outbox row may have waited (a stuck relay shows here first). Default 60000. */
  readonly maxOutboxAge?: number;
  /**
   * Parked keys at most; more is unhealthy. Default: no limit (the count is reported, and a parked key is a matter
   * for an operator, not a reason to restart the process).
   */
  readonly maxParkedKeys?: number;
}

/** The documented defaults. */
export const EventBusHealthDefaults: Required<EventBusHealthOptions> = {
  timeout: 2000,
  maxOutboxBacklog: 10_000,
  maxOutboxAge: 60_000,
  maxParkedKeys: Number.POSITIVE_INFINITY,
};
