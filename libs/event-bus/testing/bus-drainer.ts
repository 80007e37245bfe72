import type { HandlerRegistry } from '../src/handlers/handler-registry';
import type { EventTransport, PendingJobs } from '../src/contracts/event-transport';
import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import { DrainTimeoutError } from './errors/drain-timeout.error';

/** Options of `kit.drain()`. */
export interface DrainOptions {
  /** How long to wait for the bus to become idle before failing. Default 10000 ms. */
  readonly timeoutMs?: number;
}

const POLL_MS = 20;

/**
 * Waits until the bus has nothing left to do: with a transport that counts its jobs (`pendingJobs`, BullMQ), until
 * every queue of this bus's handlers has no waiting, active, delayed or prioritized job; with one that knows when it
 * is idle (`whenIdle`, in-process transports), until it says so. Rejects with a {@link DrainTimeoutError} listing
 * what is still pending after `timeoutMs`.
 */
export async function drainTransport(
  transport: EventTransport,
  registry: HandlerRegistry,
  options: DrainOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pendingJobs = transport.pendingJobs?.bind(transport);
  if (pendingJobs) return pollUntilEmpty(pendingJobs, handlerQueues(registry), timeoutMs);
  if (typeof transport.whenIdle !== 'function') {
    throw new EventBusConfigError(
      `kit.drain() does not know the transport "${transport.name}": give it a whenIdle(): Promise<void> that resolves ` +
        `when it has nothing left to run, or drain it yourself.`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DrainTimeoutError(timeoutMs, [])), timeoutMs);
  });
  try {
    await Promise.race([transport.whenIdle(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every queue of the bus's async handlers, partition lanes included. */
function handlerQueues(registry: HandlerRegistry): string[] {
  return [
    ...new Set(registry.asyncHandlers.flatMap((handler) => [handler.queue, ...(handler.partition?.laneQueues ?? [])])),
  ];
}

async function pollUntilEmpty(
  pendingJobs: (queues: readonly string[]) => Promise<PendingJobs[]>,
  queues: readonly string[],
  timeoutMs: number,
): Promise<void> {
  if (queues.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = (await pendingJobs(queues)).filter(
      (queue) => queue.waiting + queue.active + queue.delayed + queue.prioritized > 0,
    );
    if (busy.length === 0) return;
    if (Date.now() >= deadline) throw new DrainTimeoutError(timeoutMs, busy);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
