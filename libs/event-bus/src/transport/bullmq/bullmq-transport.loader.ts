import { EventBusConfigError } from '../../errors';
import type { BullMqTransport, BullMqTransportOptions } from './bullmq.transport';

/**
 * The one door to the BullMQ transport for the rest of the library: `bullmq` and `ioredis` are loaded when a
 * BullMQ transport is created, never at module load, so an app on `transport: 'in-memory'` (or its tests) runs
 * without them installed. Nothing else asks whether a transport is this one: the broadcaster, `drain` and the
 * dashboard use the optional capabilities of `EventTransport`.
 */

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

/** Which of bullmq/ioredis a failed require could not find, if that is why it failed. */
function missingPackage(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'MODULE_NOT_FOUND' || typeof message !== 'string') return undefined;
  return ['bullmq', 'ioredis'].find((name) => message.includes(`'${name}'`) || message.includes(`"${name}"`));
}
