import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EventBusConfigError } from '../errors';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { AnyHandlerDefinition, assertConsistentGroups, defineHandler } from './define-handler';
import { EventHandlersAccessor } from './event-handlers.accessor';
import { BroadcastHandlerDefinition, HandlerDefinition } from './handler-definition';
import { HandlerRegistry } from './handler-registry';
type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds the `@OnEvent`/`@OnEventAsync`/`@OnEventBroadcast` methods of every provider once, at bootstrap, and builds the immutable
 * {@link HandlerRegistry}. Misuse (duplicate handler ids, handlers on request-scoped or transient providers, bad
 * options, event classes without `@BusEvent`) fails the boot with a message that says how to fix it.
 */
@Injectable()
export class EventHandlersExplorer {
  private registry: HandlerRegistry | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: EventHandlersAccessor,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  /** The registry, discovered on first use (bootstrap, or an earlier `publish` from an `onModuleInit`). */
  getRegistry(): HandlerRegistry {
    if (!this.registry) {
      const found = this.explore();
      const isBroadcast = (h: AnyHandlerDefinition): h is BroadcastHandlerDefinition => h.kind === 'broadcast';
      this.registry = new HandlerRegistry(
        found.filter((h): h is HandlerDefinition => !isBroadcast(h)),
        found.filter(isBroadcast),
      );
    }
    return this.registry;
  }

  /** Instances of every provider, for other discoveries (the event-emitter bridge). */
  providerInstances(): unknown[] {
    return this.discovery
      .getProviders()
      .filter((wrapper) => !wrapper.isAlias && wrapper.isDependencyTreeStatic())
      .map((wrapper) => wrapper.instance as unknown);
  }

  private explore(): AnyHandlerDefinition[] {
    const handlers: AnyHandlerDefinition[] = [];
    const seenMethods = new Set<unknown>();
    const ids = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (wrapper.isAlias || !instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const subscriptions = this.accessor.getSubscriptions(method);
        if (subscriptions.length === 0) continue;
        const className = instance.constructor?.name || String(wrapper.name);
        const location = `${className}.${methodName}`;
        this.assertStaticScope(wrapper, location);
        // The same instance may be reachable through several wrappers (useExisting, re-exports).
        if (seenMethods.has(method) && handlers.some((h) => h.location === location)) continue;
        seenMethods.add(method);
        const sharedMethod = subscriptions.length > 1;
        for (const subscription of subscriptions) {
          const handler = defineHandler(subscription, { instance, methodName, location, sharedMethod }, this.options);
          const previous = ids.get(handler.id);
          if (previous) {
            throw new EventBusConfigError(
              `Duplicate event handler id "${handler.id}" (${previous} and ${location}). Handler ids name queues and ` +
                `job ids, so they must be unique: pass a distinct { id } to one of the decorators.`,
            );
          }
          ids.set(handler.id, location);
          handlers.push(handler);
        }
      }
    }
    assertConsistentGroups(handlers);
    return handlers;
  }

  private assertStaticScope(wrapper: InstanceWrapper, location: string): void {
    if (wrapper.isTransient || !wrapper.isDependencyTreeStatic()) {
      throw new EventBusConfigError(
        `Event handler ${location} is on a ${wrapper.isTransient ? 'transient' : 'request-scoped'} provider ` +
          `(directly or through one of its dependencies). Event handlers run outside any HTTP request, so the bus ` +
          `refuses them rather than call them with undefined dependencies. Move the handler to a singleton provider ` +
          `and resolve request-scoped services there with ModuleRef.resolve() if you need them.`,
      );
    }
  }
}
