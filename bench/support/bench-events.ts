import { BusEvent } from 'nestjs-durable-bus';

/** The event every async scenario publishes: a few strings, a number and a Date (so the codec adds annotations). */
@BusEvent('bench.order-placed')
export class BenchOrderPlaced {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly total: number,
    readonly placedAt: Date,
  ) {}
}

export function orderPlaced(i: number): BenchOrderPlaced {
  return new BenchOrderPlaced(`order-${i}`, `customer-${i % 997}`, i * 1.25, new Date(1_780_000_000_000 + i));
}

/** The ids of the three async handlers of {@link BenchOrderPlaced} (also their queue names). */
export const HANDLER_IDS = ['bench.invoice', 'bench.ship', 'bench.audit'] as const;

/**
 * The job data raw BullMQ is given: the same fields and sizes the bus writes for `orderPlaced(i)` (envelope, handler,
 * payload, Date annotation), so both sides write the same bytes.
 */
export function rawJobData(i: number, id: string, handler: string): Record<string, unknown> {
  const event = orderPlaced(i);
  return {
    event: 'bench.order-placed',
    version: 1,
    id,
    occurredAt: new Date().toISOString(),
    correlationId: id,
    causationId: null,
    partitionKey: null,
    handler,
    payload: { ...event, placedAt: event.placedAt.toISOString() },
    types: { values: { placedAt: ['Date'] }, v: 1 },
  };
}

/** The job options the bus gives every job by default, for the raw side. */
export function rawJobOptions(jobId: string) {
  return {
    jobId,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 86_400 },
    removeOnFail: false,
  };
}

/** An id the length of a ULID (26 characters), from a counter: the cheapest id a raw producer could use. */
export function rawEventId(counter: number): string {
  return `R${counter.toString(36).padStart(25, '0')}`;
}
