import { EventBusManifest } from './event-bus-manifest';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventEmitterBridge } from '../bridge/event-emitter.bridge';
import { BroadcastFeed } from '../broadcast/broadcast-feed';
import { Broadcaster } from '../broadcast/broadcaster';
import { EventCodec } from '../codec/event-codec';
import { HandlerInvoker } from '../dispatch/handler-invoker';
import { EventBus } from '../publishing/event-bus';
import { JobPlanner } from '../publishing/job-planner';
import { JobWriter } from '../publishing/job-writer';
import { EventBusOutbox } from '../outbox/event-bus-outbox';
import { EventBusInbox } from '../inbox/event-bus-inbox';
import { INBOX_GATE } from '../contracts/inbox-gate';
import { ParkedKeys } from '../partitions/parked-keys';
import { BusTelemetry } from '../telemetry/bus-telemetry';
import { decoratedWireClasses } from '../events/wire-classes';
import { EventHandlersAccessor } from '../handlers/event-handlers.accessor';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { EVENT_TRANSPORT } from '../contracts/event-transport';
import { createTransport } from './create-transport';
import { EventBusModuleOptions, ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { ConfigurableEventBusModule, EVENT_BUS_MODULE_OPTIONS } from './event-bus.module-definition';
import { EventBusLifecycle } from './event-bus.lifecycle';
import { resolveEventBusOptions } from './resolve-options';
import { BUILT_IN_INTERCEPTORS, EVENT_CODEC, RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';

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
    JobPlanner,
    JobWriter,
    EventBus,
    EventBusLifecycle,
    EventBusManifest,
    ParkedKeys,
    BroadcastFeed,
    Broadcaster,
    EventBusOutbox,
    EventBusInbox,
    { provide: INBOX_GATE, useExisting: EventBusInbox },
    BusTelemetry,
    {
      provide: BUILT_IN_INTERCEPTORS,
      inject: [BusTelemetry],
      useFactory: (telemetry: BusTelemetry) => telemetry.interceptors,
    },
  ],
  exports: [EventBus, EventBusManifest, ParkedKeys, BroadcastFeed, EventBusOutbox, EventBusInbox, EVENT_TRANSPORT],
})
export class EventBusModule extends ConfigurableEventBusModule {}
