import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec';
import { decodeEventData, UndecodableEventData } from '../dispatch/event-decoding';
import { HandlerInvoker } from '../dispatch/handler-invoker';
import { EventBus } from '../publishing/event-bus';
import { PreparedEvent } from '../publishing/job-planner';
import { EventDefinition, getEventDefinition } from '../events/bus-event.decorator';
import { EventEnvelope } from '../contracts/event-envelope';
import { decoratedWireClasses } from '../events/wire-classes';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { EVENT_CODEC, RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { EVENT_TRANSPORT, EventTransport } from '../contracts/event-transport';
import { BroadcastChannel } from '../contracts/broadcast-channel';
import { LocalBroadcastChannel } from './local-broadcast.channel';
import { BroadcastFeed } from './broadcast-feed';
import { BroadcastMessage } from '../contracts/broadcast-message';
import { toBroadcastMessage } from './broadcast-message';

/**
 * Runs broadcasts: relays each successfully published event (after its sync handlers and once its async jobs are
 * stored) to every node, and on each node decodes what arrives, runs the `@OnEventBroadcast` handlers and feeds
 * {@link BroadcastFeed}. At most once: no job, no retry; failures are logged and never reach the publisher.
 * Opens nothing unless there is something to broadcast (a broadcast handler, or `broadcast: 'all'`).
 */
@Injectable()
export class Broadcaster implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');
  private channel: BroadcastChannel | undefined;
  private stopRelaying: (() => void) | undefined;
  private readonly definitions = new Map<string, EventDefinition | undefined>();

  constructor(
    private readonly explorer: EventHandlersExplorer,
    private readonly invoker: HandlerInvoker,
    private readonly bus: EventBus,
    private readonly feed: BroadcastFeed,
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const registry = this.explorer.getRegistry();
    const all = this.options.broadcast === 'all';
    if (!all && registry.broadcastHandlers.length === 0) return;
    const channel = (this.channel = this.openChannel());
    const relayed = new Set(registry.broadcastHandlers.map((handler) => handler.event.name));
    this.stopRelaying = this.bus.onPublished((prepared) => {
      if (all || relayed.has(prepared.envelope.name)) this.relay(channel, prepared);
    });
    await channel.listen((message) => this.receive(message));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopRelaying?.();
    await this.channel?.close(); // lets the messages being sent leave, when it can

    this.channel = undefined;
  }

  private openChannel(): BroadcastChannel {
    if (!this.transport.openBroadcastChannel) return new LocalBroadcastChannel();
    let last = '';
    return this.transport.openBroadcastChannel((error) => {
      // The relay repeats a connection error on every retry: log each distinct one once.
      if (error.message !== last) this.logger.error(`Broadcast relay: ${error.message}`);
      last = error.message;
    });
  }

  private relay(channel: BroadcastChannel, prepared: PreparedEvent): void {
    const { name, id } = prepared.envelope;
    let message: BroadcastMessage;
    try {
      message = toBroadcastMessage(prepared, this.codec);
    } catch (error) {
      this.logger.error(`Event ${name} ${id} was published but not broadcast: ${(error as Error).message}`);
      return;
    }
    void channel
      .publish(message)
      .catch((error: unknown) =>
        this.logger.error(`Event ${name} ${id} was published but not broadcast: ${(error as Error).message}`),
      );
  }

  private receive(message: BroadcastMessage): void {
    const definition = this.definitionOf(message.event);
    // An event class this node does not have: nothing here can want it.
    if (!definition) return;
    const decode = (): { event: object; envelope: EventEnvelope } | undefined => {
      try {
        return decodeEventData(this.codec, definition, message);
      } catch (error) {
        if (error instanceof UndecodableEventData && error.newerVersion) {
          this.logger.warn(`Broadcast of ${message.event} ${message.id} skipped: ${error.message}.`);
        } else {
          this.logger.error(`Broadcast of ${message.event} ${message.id} does not decode: ${(error as Error).message}`);
        }
        return undefined;
      }
    };
    // Each handler and the feed get their own copy, as async handlers do.
    for (const handler of this.explorer.getRegistry().broadcastHandlersOf(message.event)) {
      const decoded = decode();
      if (!decoded) return;
      this.invoker.invokeBroadcast(handler, decoded.event, decoded.envelope).catch((error: unknown) => {
        this.logger.error(
          `Broadcast handler ${handler.id} failed on ${message.event} ${message.id} (not retried: broadcasts are ` +
            `at most once): ${(error as Error)?.message ?? String(error)}`,
          (error as Error)?.stack,
        );
      });
    }
    const decoded = decode();
    if (!decoded) return;
    const { envelope, event } = decoded;
    this.feed.emit({
      eventName: envelope.name,
      eventId: envelope.id,
      occurredAt: envelope.occurredAt,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      partitionKey: envelope.partitionKey,
      payload: event,
    });
  }

  private definitionOf(name: string): EventDefinition | undefined {
    if (!this.definitions.has(name)) {
      const [target] = decoratedWireClasses().get(name) ?? [];
      this.definitions.set(name, target ? getEventDefinition(target) : undefined);
    }
    return this.definitions.get(name);
  }
}
