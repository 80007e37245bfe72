import { Injectable } from '@nestjs/common';
import { HandlerInvoker } from '../dispatch/handler-invoker';
import { EventEmitterBridge } from '../bridge/event-emitter.bridge';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import type { PublishReceipt } from '../contracts/publish-receipt';
import { BusTelemetry } from '../telemetry/bus-telemetry';
import { JobPlanner, PreparedEvent, PublishOptions } from './job-planner';
import { JobWriter } from './job-writer';
import { PublishedListener, PublishHooks, PublishObserver, RefusedListener } from './publish-hooks';

/**
 * Publishes events: plans each (envelope, jobs), runs its sync handlers in order inside the call, then stores every
 * async job in a single write.
 */
@Injectable()
export class EventBus {
  private readonly hooks = new PublishHooks();

  constructor(
    private readonly planner: JobPlanner,
    private readonly writer: JobWriter,
    private readonly explorer: EventHandlersExplorer,
    private readonly invoker: HandlerInvoker,
    private readonly bridge: EventEmitterBridge,
    private readonly telemetry: BusTelemetry,
  ) {}

  /**
   * Publishes one event. Resolves once the sync handlers succeeded and the async jobs are stored. Rejects with an
   * `EventEncodingError` (nothing written, no handler ran) when the payload cannot be encoded, and with a
   * `SyncHandlerError` when a sync handler throws (later sync handlers skipped, nothing async dispatched).
   *
   * Inside a transaction (a `withEventBus`-wrapped `@nestjs-cls/transactional` adapter opened it), the sync handlers
   * run in that transaction and the async jobs are stored in the outbox through it (outbox on) or written after it
   * commits (outbox off); a rollback drops them.
   */
  publish(event: object, options: PublishOptions = {}): Promise<PublishReceipt> {
    if (!this.telemetry.active) return this.publishOne(event, options);
    return this.telemetry.publishing([event], () => this.publishOne(event, options));
  }

  private async publishOne(event: object, options: PublishOptions): Promise<PublishReceipt> {
    // publishAll([event]) step for step, without its arrays and its extra await: most publishes are of one event,
    // and that cost a quarter of a sync publish (bench scenario 1).
    const prepared = this.planner.prepare(event, options);
    this.hooks.accepted(prepared);
    try {
      const pending = this.runSyncHandlers(prepared);
      if (pending) await pending;
      if (prepared.jobs.length > 0) await this.writer.write(prepared.jobs);
    } catch (error) {
      this.hooks.refused([prepared], error);
      throw error;
    }
    this.hooks.published([prepared]);
    return receiptOf(prepared);
  }

  /**
   * Publishes several events as one unit: all are checked and encoded first, then the sync handlers of each run in
   * turn, then every async job of every event is written in one round trip. If any step fails nothing async is
   * dispatched for any of them.
   */
  publishAll(events: readonly object[], options: PublishOptions = {}): Promise<PublishReceipt[]> {
    if (!this.telemetry.active) return this.publishMany(events, options);
    return this.telemetry.publishing(events, () => this.publishMany(events, options));
  }

  private async publishMany(events: readonly object[], options: PublishOptions): Promise<PublishReceipt[]> {
    const prepared = events.map((event) => this.planner.prepare(event, options));
    for (const item of prepared) this.hooks.accepted(item);
    try {
      for (const item of prepared) {
        const pending = this.runSyncHandlers(item);
        if (pending) await pending;
      }
      const jobs = prepared.flatMap((item) => item.jobs);
      if (jobs.length > 0) await this.writer.write(jobs);
    } catch (error) {
      this.hooks.refused(prepared, error);
      throw error;
    }
    this.hooks.published(prepared);
    return prepared.map(receiptOf);
  }

  /** Registers an observer of accepted events ({@link PublishObserver}); returns the function that removes it. */
  observe(observer: PublishObserver): () => void {
    return this.hooks.observe(observer);
  }

  /** Registers a listener of successfully published events; returns the function that removes it. */
  onPublished(listener: PublishedListener): () => void {
    return this.hooks.onPublished(listener);
  }

  /** Registers a listener of refused publishes ({@link RefusedListener}); returns the function that removes it. */
  onRefused(listener: RefusedListener): () => void {
    return this.hooks.onRefused(listener);
  }

  /**
   * Runs the sync handlers from `from` on, one at a time, then the bridged listeners. Stays synchronous (returns
   * `undefined`) until a handler returns a promise, so plain handlers cost no promise each.
   */
  private runSyncHandlers(prepared: PreparedEvent, from = 0): Promise<void> | undefined {
    const { event, envelope } = prepared;
    const handlers = this.explorer.getRegistry().syncHandlersOf(envelope.name);
    for (let index = from; index < handlers.length; index++) {
      const pending = this.invoker.invokeSync(handlers[index]!, event, envelope);
      if (pending) return pending.then(() => this.runSyncHandlers(prepared, index + 1));
    }
    return this.bridge.emit(envelope, event);
  }
}

function receiptOf({ envelope, jobs }: PreparedEvent): PublishReceipt {
  return {
    eventId: envelope.id,
    eventName: envelope.name,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    jobs: jobs.map((job) => ({ handlerId: job.data.handler, jobId: job.jobId })),
  };
}
