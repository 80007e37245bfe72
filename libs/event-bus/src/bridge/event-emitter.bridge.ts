import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { SyncHandlerError } from '../errors';
import { EventEnvelope } from '../contracts/event-envelope';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { HandlerRegistry } from '../handlers/handler-registry';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { BridgeReport, LegacyListener, matchLegacyListeners } from './legacy-listeners';

/** The part of EventEmitter2 the bridge uses (`onAny` tells it apart from Node's EventEmitter). */
interface AsyncEmitter {
  emitAsync(event: string, ...values: unknown[]): Promise<unknown[]>;
  listenerCount(event: string): number;
}

/**
 * Migration path from @nestjs/event-emitter: when the app has an `EventEmitter2` provider (EventEmitterModule),
 * every published event is also emitted there under its wire name, awaited after the sync handlers, so plain
 * `@OnEvent('<wire name>')` listeners keep working while they are moved over one at a time. Their errors reject
 * the publish with a `SyncHandlerError`, like a sync handler's, unless their own `suppressErrors` option (true by default in
 * @nestjs/event-emitter) swallows them. Found by duck typing, so a second copy of eventemitter2 is no obstacle.
 */
@Injectable()
export class EventEmitterBridge {
  private emitter: AsyncEmitter | null | undefined;
  private reported: { registry: HandlerRegistry; report: BridgeReport | undefined } | undefined;

  constructor(
    private readonly explorer: EventHandlersExplorer,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  /**
   * Emits the event to the app's EventEmitter2 listeners of its wire name, if there are any; `undefined` (nothing
   * to wait for) when there are none.
   */
  emit(envelope: EventEnvelope, event: object): Promise<void> | undefined {
    // Looked up once: `null` (no emitter, or the bridge is off) is a cached answer too, not a reason to scan the
    // providers again on every publish.
    if (this.emitter === undefined) this.emitter = this.options.eventEmitterBridge ? this.findEmitter() : null;
    const emitter = this.emitter;
    if (!emitter || emitter.listenerCount(envelope.name) === 0) return undefined;
    return this.emitTo(emitter, envelope, event);
  }

  /**
   * Which @nestjs/event-emitter listeners the bridge reaches per bus event, and the listeners whose name is close to
   * a wire name but matches none (a likely typo). `undefined` when the bridge is off or the app has no EventEmitter2.
   */
  report(registry: HandlerRegistry): BridgeReport | undefined {
    // The boot log and the manifest both ask; the providers are scanned once per registry.
    if (this.reported?.registry !== registry) this.reported = { registry, report: this.scan(registry) };
    return this.reported.report;
  }

  private scan(registry: HandlerRegistry): BridgeReport | undefined {
    if (this.emitter === undefined) this.emitter = this.options.eventEmitterBridge ? this.findEmitter() : null;
    if (!this.emitter) return undefined;
    const key = listenerMetadataKey();
    return key === undefined ? undefined : matchLegacyListeners(this.legacyListeners(key), registry.eventNames);
  }

  /** The `@OnEvent` methods of @nestjs/event-emitter, found as its own EventSubscribersLoader finds them. */
  private legacyListeners(key: string): LegacyListener[] {
    const listeners: LegacyListener[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as object | undefined;
      if (wrapper.isAlias || !instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const metadata = Reflect.getMetadata(key, method) as unknown;
        const entries = Array.isArray(metadata) ? metadata : metadata ? [metadata] : [];
        const location = `${instance.constructor?.name || String(wrapper.name)}.${methodName}`;
        for (const entry of entries as { event?: unknown }[]) {
          listeners.push({ location, event: eventName(entry?.event) });
        }
      }
    }
    return listeners;
  }

  private async emitTo(emitter: AsyncEmitter, envelope: EventEnvelope, event: object): Promise<void> {
    try {
      await emitter.emitAsync(envelope.name, event);
    } catch (error) {
      throw new SyncHandlerError(
        envelope.name,
        envelope.id,
        `@nestjs/event-emitter listener of "${envelope.name}"`,
        error,
      );
    }
  }

  private findEmitter(): AsyncEmitter | null {
    const emitter = this.explorer.providerInstances().find(isAsyncEmitter);
    if (emitter)
      new Logger('EventBus').log('Bridging published events to EventEmitter2 listeners (@nestjs/event-emitter)');
    return emitter ?? null;
  }
}

/**
 * The metadata key of @nestjs/event-emitter's `@OnEvent`, or `undefined` when the package is not installed. 12.x
 * exports it as `EVENT_LISTENER_METADATA`; 3.x (the Nest 11 line) does not, but in both the decorator factory that
 * `OnEvent()` returns carries it as `KEY`.
 */
function listenerMetadataKey(): string | undefined {
  let emitterPackage: { OnEvent?: (event: string) => { KEY?: unknown } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only with the bridge on
    emitterPackage = require('@nestjs/event-emitter') as typeof emitterPackage;
  } catch {
    return undefined;
  }
  const key = emitterPackage.OnEvent?.('nestjs-durable-bus:probe').KEY;
  return typeof key === 'string' ? key : undefined;
}

/** A listened event as one string: a string, a namespace array joined with "." (EventEmitter2's delimiter), no symbol. */
function eventName(event: unknown): string | undefined {
  if (typeof event === 'string') return event;
  if (Array.isArray(event) && event.every((part) => typeof part === 'string')) return event.join('.');
  return undefined;
}

/**
 * Whether a provider instance is an EventEmitter2. Reading a property of some providers throws (nestjs-cls proxy
 * providers outside a CLS context, for one): those are not emitters.
 */
function isAsyncEmitter(instance: unknown): instance is AsyncEmitter {
  if (typeof instance !== 'object' || instance === null) return false;
  try {
    return (
      typeof (instance as Partial<AsyncEmitter>).emitAsync === 'function' &&
      typeof (instance as Partial<AsyncEmitter>).listenerCount === 'function' &&
      typeof (instance as { onAny?: unknown }).onAny === 'function'
    );
  } catch {
    return false;
  }
}
