import type { HandlerRegistry } from '../src/handlers/handler-registry';
import type { BullMqTransport } from '../src/transport/bullmq/bullmq.transport';
import { isBullMqTransport } from '../src/transport/bullmq/bullmq-transport.loader';
import type { EventTransport } from '../src/transport/event-transport';
import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import { DrainTimeoutError, PendingJobs } from './errors/drain-timeout.error';

/** Options of `kit.drain()`. */
export interface DrainOptions {
  /** How long to wait for the bus to become idle before failing. Default 10000 ms. */
  readonly timeoutMs?: number;
}

interface IdleAware {
  whenIdle(): Promise<void>;
}

const POLL_MS = 20;
const STATES = ['wait', 'active', 'delayed', 'prioritized'] as const;

/**
 * Waits until the bus has nothing left to do: for BullMQ, every queue of this bus's handlers (under its prefix) has
 * no waiting, active, delayed or prioritized job, read in one MULTI so the snapshot is consistent across queues;
 * for in-process transports, until they report idle. Rejects with a {@link DrainTimeoutError} listing what is
 * still pending after `timeoutMs`.
 */
export async function drainTransport(
  transport: EventTransport,
  registry: HandlerRegistry,
  options: DrainOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (isBullMqTransport(transport)) return drainBullMq(transport, registry, timeoutMs);
  if (!isIdleAware(transport)) {
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

async function drainBullMq(transport: BullMqTransport, registry: HandlerRegistry, timeoutMs: number): Promise<void> {
  const names = [
    ...new Set(registry.asyncHandlers.flatMap((handler) => [handler.queue, ...(handler.partition?.laneQueues ?? [])])),
  ];
  if (names.length === 0) return;
  const queues = names.map((name) => transport.queue(name));
  const client = await (queues[0] as (typeof queues)[number]).getBackend().client;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const multi = client.multi();
    for (const queue of queues) {
      multi.llen(queue.toKey('wait')).llen(queue.toKey('active'));
      multi.runCommand('zcard', [queue.toKey('delayed')]).runCommand('zcard', [queue.toKey('prioritized')]);
    }
    const results: [Error | null, unknown][] = (await multi.exec()) ?? [];
    const counts = results.map(([error, count]) => {
      if (error) throw error;
      return Number(count);
    });
    const pending: PendingJobs[] = names.map((queue, i) => {
      const [waiting = 0, active = 0, delayed = 0, prioritized = 0] = counts.slice(
        i * STATES.length,
        (i + 1) * STATES.length,
      );
      return { queue, waiting, active, delayed, prioritized };
    });
    const busy = pending.filter((queue) => queue.waiting + queue.active + queue.delayed + queue.prioritized > 0);
    if (busy.length === 0) return;
    if (Date.now() >= deadline) throw new DrainTimeoutError(timeoutMs, busy);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function isIdleAware(transport: EventTransport): transport is EventTransport & IdleAware {
  return typeof (transport as Partial<IdleAware>).whenIdle === 'function';
}
