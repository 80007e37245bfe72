import { Inject, Injectable, Logger } from '@nestjs/common';
import { SyncHandlerError } from '../errors';
import { EventEnvelope } from '../events/event-envelope';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { ResolvedEventBusOptions } from '../module/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../module/tokens';

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

  constructor(
    private readonly explorer: EventHandlersExplorer,
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
