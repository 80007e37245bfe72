import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { EventEmitterBridge } from '../bridge/event-emitter.bridge';
import { HandlerInvoker } from '../dispatch/handler-invoker';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { formatHandlerManifest } from '../handlers/handler-manifest';
import { InvalidJobError } from '../errors';
import { AsyncHandlerDefinition } from '../handlers/handler-definition';
import { laneGroups } from '../handlers/handler-registry';
import { EventBusOutbox } from '../outbox/event-bus-outbox';
import { EventBusInbox } from '../inbox/event-bus-inbox';
import { ConsumerSpec, EVENT_TRANSPORT, EventTransport, JobProcessor } from '../contracts/event-transport';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { EventBusManifest } from './event-bus-manifest';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';

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
    private readonly bridge: EventEmitterBridge,
    private readonly manifest: EventBusManifest,
    private readonly inbox: EventBusInbox,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.releasingOnFailure(() => this.init());
  }

  private async init(): Promise<void> {
    const registry = this.explorer.getRegistry();
    const bridged = this.bridge.report(registry);
    if (this.options.logManifest) this.logger.log(formatHandlerManifest(this.manifest.get()));
    for (const { listener, nearest } of bridged?.nearMisses ?? []) {
      this.logger.warn(
        `@nestjs/event-emitter listener ${listener.location} listens to "${listener.event}", which is no bus event's ` +
          `wire name, so the bridge never calls it. Did you mean "${nearest}" (the nearest wire name; a guess)? ` +
          `Rename the listener's event string, or the @BusEvent wire name, so they match.`,
      );
    }
    await this.transport.prepareLanes(laneGroups(registry.asyncHandlers));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.releasingOnFailure(() => this.bootstrap());
  }

  /**
   * A boot that fails (a refused lane change, Redis refusing a worker) must not leave connections open: the app
   * cannot be closed after a failed `init()` (NestJS 11's `close()` rethrows the init error before calling any hook),
   * so a process or test that catches the error would otherwise keep reconnecting to Redis forever.
   */
  private async releasingOnFailure(boot: () => Promise<void>): Promise<void> {
    try {
      await boot();
    } catch (error) {
      this.inbox.stopPruning();
      await this.outbox.relay?.stop().catch(() => undefined);
      await this.transport.close().catch(() => undefined);
      throw error;
    }
  }

  private async bootstrap(): Promise<void> {
    await this.outbox.relay?.start();
    if (this.options.role === 'publisher') return;
    this.inbox.startPruning();
    const handlers = this.explorer.getRegistry().asyncHandlers;
    const consumers: ConsumerSpec[] = handlers.map((handler) => ({
      queue: handler.queue,
      handlerId: handler.id,
      concurrency: handler.concurrency,
      process: (data, attempt) => this.invoker.invokeJob(handler, data, attempt),
    }));
    for (const { group, laneQueues, members } of laneGroups(handlers)) {
      const { delivery, partition } = members[0]!;
      const lane = { attempts: delivery.attempts, backoff: delivery.backoff, onExhausted: partition!.onExhausted };
      const process = this.groupProcessor(group, members);
      for (const queue of laneQueues) consumers.push({ queue, handlerId: group, concurrency: 1, process, lane });
    }
    await this.transport.startConsumers(consumers);
  }

  /** A lane's jobs belong to any handler of its group: route each to its handler. */
  private groupProcessor(group: string, members: readonly AsyncHandlerDefinition[]): JobProcessor {
    return (data, attempt) => {
      const id = (data as { handler?: unknown } | null)?.handler;
      const member = members.find((handler) => handler.id === id);
      if (member) return this.invoker.invokeJob(member, data, attempt);
      if (typeof id !== 'string' || members.length === 1) return this.invoker.invokeJob(members[0]!, data, attempt);
      throw new InvalidJobError(
        attempt.jobId,
        `it is addressed to handler "${id}", which is not a member of lane group "${group}" in this process ` +
          `(members: ${members.map((m) => m.id).join(', ')})`,
      );
    };
  }

  async onModuleDestroy(): Promise<void> {
    this.inbox.stopPruning();
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
