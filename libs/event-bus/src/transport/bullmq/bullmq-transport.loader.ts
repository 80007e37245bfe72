import { EventBusConfigError } from '../../errors';
import type { EventTransport } from '../event-transport';
import type { BullMqTransport, BullMqTransportOptions } from './bullmq.transport';

/**
 * The one door to the BullMQ transport for the rest of the library: `bullmq` and `ioredis` are loaded when a
 * BullMQ transport is created, never at module load, so an app on `transport: 'in-memory'` (or its tests) runs
 * without them installed. Everything else recognises the transport with {@link isBullMqTransport} and uses its
 * type through `import type` (erased from the JavaScript).
 */
const created = new WeakSet<object>();

/** Creates the BullMQ transport, loading bullmq and ioredis; an {@link EventBusConfigError} when they are missing. */
export function createBullMqTransport(options: BullMqTransportOptions): BullMqTransport {
  let loaded: typeof import('./bullmq.transport');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use: bullmq is an optional peer
    loaded = require('./bullmq.transport') as typeof import('./bullmq.transport');
  } catch (error) {
    const missing = missingPackage(error);
    if (!missing) throw error;
    throw new EventBusConfigError(
      `The BullMQ transport (transport: 'bullmq', the default) needs the "bullmq" and "ioredis" packages, and ` +
        `"${missing}" is not installed. Install them (npm install bullmq ioredis), or, for an app or tests without ` +
        `Redis, use EventBusModule.forRoot({ transport: 'in-memory' }).`,
      { cause: error },
    );
  }
  return new loaded.BullMqTransport(options);
}

/** Called by every BullMqTransport's constructor, so {@link isBullMqTransport} knows it. */
export function registerBullMqTransport(transport: BullMqTransport): void {
  created.add(transport);
}

/** Whether `transport` is the library's BullMQ transport (without loading bullmq to find out). */
export function isBullMqTransport(transport: EventTransport): transport is BullMqTransport {
  return created.has(transport);
}

/** Which of bullmq/ioredis a failed require could not find, if that is why it failed. */
function missingPackage(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'MODULE_NOT_FOUND' || typeof message !== 'string') return undefined;
  return ['bullmq', 'ioredis'].find((name) => message.includes(`'${name}'`) || message.includes(`"${name}"`));
}
