import { EventBusManifest } from './event-bus-manifest';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventEmitterBridge } from '../bridge/event-emitter.bridge';
import { BroadcastFeed } from '../broadcast/broadcast-feed';
import { Broadcaster } from '../broadcast/broadcaster';
import { EventCodec } from '../codec/event-codec';
import { HandlerInvoker } from '../dispatch/handler-invoker';
import { EventBus } from '../event-bus';
import { EventBusOutbox } from '../outbox/event-bus-outbox';
import { EventBusInbox } from '../inbox/event-bus-inbox';
import { ParkedKeys } from '../partitions/parked-keys';
import { BusTelemetry } from '../telemetry/bus-telemetry';
import { decoratedWireClasses } from '../events/wire-classes';
import { EventHandlersAccessor } from '../handlers/event-handlers.accessor';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { EVENT_TRANSPORT } from '../transport/event-transport';
import { createTransport } from './create-transport';
import { EventBusModuleOptions, ResolvedEventBusOptions } from './event-bus-options';
import { ConfigurableEventBusModule, EVENT_BUS_MODULE_OPTIONS } from './event-bus.module-definition';
import { EventBusLifecycle } from './event-bus.lifecycle';
import { resolveEventBusOptions } from './resolve-options';
import { EVENT_CODEC, RESOLVED_EVENT_BUS_OPTIONS } from './tokens';

/**
 * The event bus. Import once, in the root module; it is global.
 *
 * ```ts
 * EventBusModule.forRoot({ connection: process.env.REDIS_URL })
 * EventBusModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => ({ connection: c.get('REDIS_URL') }) })
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_EVENT_BUS_OPTIONS,
      inject: [EVENT_BUS_MODULE_OPTIONS],
      useFactory: (options: EventBusModuleOptions) => resolveEventBusOptions(options),
    },
    {
      provide: EVENT_CODEC,
      inject: [RESOLVED_EVENT_BUS_OPTIONS],
      useFactory: (options: ResolvedEventBusOptions) =>
        new EventCodec(decoratedWireClasses(), options.valueTypes, options.maxPayloadBytes),
    },
    {
      provide: EVENT_TRANSPORT,
      inject: [RESOLVED_EVENT_BUS_OPTIONS],
      useFactory: createTransport,
    },
    EventHandlersAccessor,
    EventHandlersExplorer,
    HandlerInvoker,
    EventEmitterBridge,
    EventBus,
    EventBusLifecycle,
    EventBusManifest,
    ParkedKeys,
    BroadcastFeed,
    Broadcaster,
    EventBusOutbox,
    EventBusInbox,
    BusTelemetry,
  ],
  exports: [
    EventBus,
    EventBusManifest,
    ParkedKeys,
    BroadcastFeed,
    EventBusOutbox,
    EventBusInbox,
    EVENT_TRANSPORT,
    EVENT_CODEC,
    RESOLVED_EVENT_BUS_OPTIONS,
    HandlerInvoker,
    EventHandlersExplorer,
  ],
})
export class EventBusModule extends ConfigurableEventBusModule {}
