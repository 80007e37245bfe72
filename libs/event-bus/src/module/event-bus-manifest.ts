import { Inject, Injectable } from '@nestjs/common';
import { EventEmitterBridge } from '../bridge/event-emitter.bridge';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { buildHandlerManifest, HandlerManifest, ManifestEvent } from '../handlers/handler-manifest';
import { EVENT_TRANSPORT, EventTransport } from '../contracts/event-transport';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';

/**
 * What the bus discovered in this app, as read-only data: every event with its handlers (mode, queue, delivery,
 * lanes) and the `@nestjs/event-emitter` listeners the bridge reaches. The boot log and the dashboard read it; so can
 * a health endpoint, an admin page or a test.
 *
 * ```ts
 * const tracked = app.get(EventBusManifest).event('orders.order-placed')?.handlers.map((handler) => handler.id);
 * ```
 */
@Injectable()
export class EventBusManifest {
  private built: HandlerManifest | undefined;

  constructor(
    private readonly explorer: EventHandlersExplorer,
    private readonly bridge: EventEmitterBridge,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  /** The whole manifest (frozen), built on first use, once the app's providers exist. */
  get(): HandlerManifest {
    this.built ??= buildHandlerManifest(
      this.explorer.getRegistry(),
      this.transport.name,
      this.options.role,
      this.bridge.report(this.explorer.getRegistry())?.reached,
    );
    return this.built;
  }

  /** The events, in discovery order. */
  get events(): readonly ManifestEvent[] {
    return this.get().events;
  }

  /** One event by wire name, if this app has a handler (or a bridged listener) for it. */
  event(name: string): ManifestEvent | undefined {
    return this.get().events.find((event) => event.name === name);
  }
}
