import { EventBusConfigError } from '../src/errors/event-bus-config.error';
import type { ConsumerSpec, EventTransport, OutgoingJob, ParkedKey } from '../src/contracts/event-transport';
import { InlineHandlerError } from './errors/inline-handler.error';

/**
 * The testing kit's transport. Recording (default and strict modes): jobs are kept, no handler runs. Inline: each
 * job runs at once inside `dispatch` (so inside `publish`), through the consumer the bus registered for its queue —
 * the same processor BullMQ workers call (job data → JSON → decode → handler in its context) — and `publish`
 * resolves after the handlers, or rejects with an {@link InlineHandlerError}. Inline runs ignore `delay` and make a
 * single attempt.
 */
export class TestingTransport implements EventTransport {
  readonly name = 'testing';
  /** Whether dispatched jobs run at once. */
  inline = false;
  private readonly consumers = new Map<string, ConsumerSpec>();
  private readonly recorded: OutgoingJob[] = [];
  private readonly ran = new Set<string>();
  private readonly running = new Set<Promise<unknown>>();

  /** Every job dispatched so far, in order. */
  get jobs(): readonly OutgoingJob[] {
    return this.recorded;
  }

  async dispatch(jobs: readonly OutgoingJob[]): Promise<void> {
    this.recorded.push(...jobs);
    if (!this.inline) return;
    for (const job of jobs) {
      // Like BullMQ: a job id that exists is not added again.
      const key = `${job.queue}/${job.jobId}`;
      if (this.ran.has(key)) continue;
      this.ran.add(key);
      await this.runInline(job);
    }
  }

  startConsumers(consumers: readonly ConsumerSpec[]): Promise<void> {
    for (const consumer of consumers) this.consumers.set(consumer.queue, consumer);
    return Promise.resolve();
  }

  async stopConsumers(): Promise<void> {
    await this.whenIdle();
    this.consumers.clear();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Lanes need no preparation here: inline mode runs each job at once, in publish order. */
  prepareLanes(): Promise<void> {
    return Promise.resolve();
  }

  /** Inline mode runs one attempt and reports failures to the publisher, so no key is ever parked. */
  listParked(): Promise<ParkedKey[]> {
    return Promise.resolve([]);
  }

  releaseParked(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves when no inline handler is running. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async runInline(job: OutgoingJob): Promise<void> {
    const consumer = this.consumers.get(job.queue);
    if (!consumer) {
      throw new EventBusConfigError(
        `Inline mode cannot run job ${job.jobId}: no consumer for queue "${job.queue}". Inline mode needs the bus ` +
          `to consume (role 'both' or 'consumer', and an initialised app).`,
      );
    }
    const run = consumer.process(JSON.parse(JSON.stringify(job.data)) as unknown, {
      jobId: job.jobId,
      attempt: 1,
      maxAttempts: job.options.attempts,
    });
    this.running.add(run);
    try {
      await run;
    } catch (error) {
      throw new InlineHandlerError(job.name, job.data.handler, error);
    } finally {
      this.running.delete(run);
    }
  }
}
