import type { LoggerService } from '@nestjs/common';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectionLost, dropConnection, isLive } from './redis-connection';

/**
 * Handlers running in one worker, counted around the processor: BullMQ's own count is only known through Redis,
 * which a shutdown may have to do without.
 */
export class HandlerCount {
  private running = 0;
  private waiters: (() => void)[] = [];

  get value(): number {
    return this.running;
  }

  async around<T>(handle: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await handle();
    } finally {
      this.running--;
      if (this.running === 0) for (const waiter of this.waiters.splice(0)) waiter();
    }
  }

  /** Resolves once no handler runs (at once when none does). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * Stops a worker within `timeoutMs`, whether or not Redis is there:
 * 1. `pause(true)` stops fetching; it only sets flags (a full `pause()` needs Redis: with Redis gone it waits for it
 *    or rejects, at random, and its pending reconnect revives a connection closed meanwhile).
 * 2. Waits for the running handlers, counted here.
 * 3. Redis reachable: a graceful `close()`, which also lets BullMQ record the last outcomes and ends a fetch in
 *    flight. Redis gone (or going away meanwhile): the connections are dropped, nothing being left to write.
 * A handler still running at the deadline keeps running detached; its job stays active until its lock expires, then
 * a worker picks it up again.
 */
export async function stopWorker(
  worker: Worker,
  handlers: HandlerCount,
  timeoutMs: number,
  logger: Pick<LoggerService, 'warn'>,
): Promise<void> {
  const deadline = timer(timeoutMs);
  try {
    await worker.pause(true);
    if ((await Promise.race([handlers.idle().then(() => 'idle' as const), deadline.promise])) === 'timeout') {
      logger.warn(
        `Worker ${worker.name}: ${handlers.value} handler(s) still running after ${timeoutMs} ms; closing anyway. ` +
          `Their jobs stay active until their lock expires, then a worker picks them up again.`,
      );
      await worker.close(true);
      return;
    }
    const backend = worker.getBackend();
    const client = await backend.client;
    if (!isLive(client)) {
      await worker.close(true); // disconnects: a QUIT would wait in the offline queue for Redis to come back
      return;
    }
    const lost = connectionLost(client);
    const closing = worker.close();
    const outcome = await Promise.race([closing.then(() => 'closed' as const), lost.promise, deadline.promise]);
    lost.cancel();
    if (outcome === 'closed') return;
    // Redis went away during the close (its QUIT, or a fetch in flight, now waits for Redis), or a job fetched in
    // flight is still being handled: drop the connections. Then BullMQ's close ends (and with it the worker's lock
    // renewal and stalled-check timers), once that job's handler, if any, is done.
    dropConnection(client as unknown as Redis);
    const blocking = await backend.blockingClient;
    if (blocking) dropConnection(blocking as unknown as Redis);
    if (outcome === 'lost') {
      if ((await Promise.race([closing, deadline.promise])) === 'timeout') {
        logger.warn(`Worker ${worker.name}: still closing after ${timeoutMs} ms, its connection to Redis dropped.`);
      }
      return;
    }
    logger.warn(
      `Worker ${worker.name}: ${handlers.value} handler(s) still running after ${timeoutMs} ms; closed its connections anyway. ` +
        `Their jobs stay active until their lock expires, then a worker picks them up again.`,
    );
  } finally {
    deadline.cancel();
  }
}

function timer(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let handle: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => (handle = setTimeout(() => resolve('timeout'), ms)));
  return { promise, cancel: () => clearTimeout(handle) };
}
