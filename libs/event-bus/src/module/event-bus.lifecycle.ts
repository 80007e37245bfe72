import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { HandlerInvoker } from '../dispatch/handler-invoker';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { formatHandlerManifest } from '../handlers/handler-manifest';
import { handlerLanes } from '../handlers/handler-registry';
import { EventBusOutbox } from '../outbox/event-bus-outbox';
import { ConsumerSpec, EVENT_TRANSPORT, EventTransport, JobProcessor } from '../transport/event-transport';
import { ResolvedEventBusOptions } from './event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from './tokens';

/**
 * Owns the bus's moving parts across the app's life: discovers handlers and logs the manifest at init, starts one
 * consumer per async handler at bootstrap (consuming roles) and the outbox relay (when configured), stops the relay
 * and then taking jobs first thing on shutdown (waiting for running handlers up to `shutdownTimeout`), and closes
 * connections last.
 */
@Injectable()
export class EventBusLifecycle implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');

  constructor(
    private readonly explorer: EventHandlersExplorer,
    private readonly invoker: HandlerInvoker,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly outbox: EventBusOutbox,
  ) {}

  async onModuleInit(): Promise<void> {
    const registry = this.explorer.getRegistry();
    if (this.options.logManifest) {
      this.logger.log(formatHandlerManifest(registry, this.transport.name, this.options.role));
    }
    await this.transport.prepareLanes(handlerLanes(registry.asyncHandlers));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.outbox.relay?.start();
    if (this.options.role === 'publisher') return;
    const consumers: ConsumerSpec[] = [];
    for (const handler of this.explorer.getRegistry().asyncHandlers) {
      const process: JobProcessor = (data, attempt) => this.invoker.invokeJob(handler, data, attempt);
      consumers.push({ queue: handler.queue, handlerId: handler.id, concurrency: handler.concurrency, process });
      const partition = handler.partition;
      if (!partition) continue;
      const { attempts, backoff } = handler.delivery;
      const lane = { attempts, backoff, onExhausted: partition.onExhausted };
      for (const queue of partition.laneQueues) {
        consumers.push({ queue, handlerId: handler.id, concurrency: 1, process, lane });
      }
    }
    await this.transport.startConsumers(consumers);
  }

  async onModuleDestroy(): Promise<void> {
    await this.outbox.relay?.stop();
    if (this.options.role !== 'publisher') {
      this.logger.log(
        `Stopping consumers: no new jobs; waiting up to ${this.options.shutdownTimeout} ms for running handlers`,
      );
    }
    await this.transport.stopConsumers(this.options.shutdownTimeout);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
