import { EventBusError } from '../../src/errors/event-bus.error';
import type { PendingJobs } from '../../src/contracts/event-transport';

export type { PendingJobs };

/** `kit.drain()` timed out: the message lists what was still pending, per queue. */
export class DrainTimeoutError extends EventBusError {
  override readonly name: string = 'DrainTimeoutError';

  constructor(
    readonly timeoutMs: number,
    readonly pending: readonly PendingJobs[],
  ) {
    const lines = pending.map(
      (queue) =>
        `  ${queue.queue}: waiting ${queue.waiting}, active ${queue.active}, delayed ${queue.delayed}, ` +
        `prioritized ${queue.prioritized}`,
    );
    super(
      `The bus did not become idle within ${timeoutMs} ms. Still pending:\n${lines.join('\n') || '  (in-process jobs)'}\n` +
        'A handler may be stuck, retrying with a long backoff, or publishing without end; pass a longer timeout ' +
        'with kit.drain({ timeoutMs }) if the work is legitimately slow.',
    );
  }
}
