import { createBullMqTransport } from '../transport/bullmq/bullmq-transport.loader';
import { EventTransport } from '../contracts/event-transport';
import { InMemoryTransport } from '../transport/in-memory/in-memory.transport';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';

/** The transport the options ask for (bullmq and ioredis are loaded only for the BullMQ one). */
export function createTransport(options: ResolvedEventBusOptions): EventTransport {
  if (typeof options.transport === 'object') return options.transport;
  if (options.transport === 'in-memory') return new InMemoryTransport();
  return createBullMqTransport({
    connection: options.connection!,
    prefix: options.prefix,
    worker: options.worker,
    publishTimeout: options.publishTimeout,
    maxPendingPublishes: options.maxPendingPublishes,
  });
}
