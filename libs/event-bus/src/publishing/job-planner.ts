import { Inject, Injectable } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec';
import type { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { EncodedPayload, EventEnvelope, jobIdOf, toJobData } from '../contracts/event-envelope';
import type { OutgoingJob } from '../contracts/event-transport';
import { laneOf } from '../contracts/lane-names';
import { EVENT_CODEC, RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { currentEventContext, newEnvelope } from '../dispatch/event-context';
import { EventBusError, EventCycleError } from '../errors';
import { requireEventDefinition } from '../events/bus-event.decorator';
import { classOf } from '../events/event-class';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { AsyncHandlerDefinition } from '../handlers/handler-definition';
import { keepEnvelope, knownEnvelope } from './envelope-memory';

/** Options of one `publish`/`publishAll` call. */
export interface PublishOptions {
  /**
   * Correlation id for events that start a chain (no handler is running). Default: inside a handler, the handled
   * event's correlation id; otherwise the event's own id.
   */
  readonly correlationId?: string;
}

/** An event ready to go: its envelope and the jobs it will become. Observers see it before the sync handlers run. */
export interface PreparedEvent {
  readonly event: object;
  readonly envelope: EventEnvelope;
  readonly jobs: readonly OutgoingJob[];
}

/**
 * Turns an event into what its publish will do: checks it, gives it its envelope (the one an earlier publish of the
 * same instance gave it, or a new one), refuses a chain that runs too deep, and plans one job per interested async
 * handler (filters run here; the payload is encoded once, and only when a job needs it). Writes nothing.
 */
@Injectable()
export class JobPlanner {
  constructor(
    private readonly explorer: EventHandlersExplorer,
    @Inject(EVENT_CODEC) private readonly codec: EventCodec,
    @Inject(RESOLVED_EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  prepare(event: object, options: PublishOptions): PreparedEvent {
    if (event === null || typeof event !== 'object') {
      throw new EventBusError(
        `EventBus.publish expects an event instance (a class decorated with @BusEvent), received ${event === null ? 'null' : typeof event}.`,
      );
    }
    const definition = requireEventDefinition(classOf(event), 'EventBus.publish');
    const known = knownEnvelope(event);
    const envelope = known ?? newEnvelope(event, definition, options.correlationId);
    if (envelope.depth > this.options.maxChainDepth) throw this.cycleError(envelope);
    const subscribed = this.explorer.getRegistry().asyncHandlersOf(definition.name);
    if (subscribed.length === 0) return { event, envelope, jobs: NO_JOBS };
    const interested = subscribed.filter((handler) => passesFilter(handler, event));
    if (interested.length === 0) return { event, envelope, jobs: NO_JOBS };
    if (!known) keepEnvelope(event, envelope);
    const payload: EncodedPayload = this.codec.encode(definition.name, event, definition.maxPayloadBytes);
    const jobs = interested.map((handler): OutgoingJob => {
      const key = handler.partition?.keyOf(event);
      return {
        queue: key === undefined ? handler.queue : laneQueueOf(handler, key),
        name: definition.name,
        jobId: jobIdOf(envelope.id, handler.id),
        data: toJobData(envelope, handler.id, payload, key),
        options: handler.delivery,
        ordered: key !== undefined,
      };
    });
    return { event, envelope, jobs };
  }

  private cycleError(envelope: EventEnvelope): EventCycleError {
    const parent = currentEventContext.getStore()!; // depth > 1: a handler is running
    return new EventCycleError(envelope.name, envelope.correlationId, envelope.depth, this.options.maxChainDepth, {
      handlerId: parent.handlerId,
      eventName: parent.eventName,
    });
  }
}

const NO_JOBS: readonly OutgoingJob[] = Object.freeze([]);

function passesFilter(handler: AsyncHandlerDefinition, event: object): boolean {
  if (!handler.filter) return true;
  let verdict: unknown;
  try {
    verdict = handler.filter(event);
  } catch (error) {
    throw new EventBusError(
      `The filter of async handler "${handler.id}" threw for event "${handler.event.name}": ` +
        `${(error as Error)?.message ?? String(error)}. Filters must be pure, total functions of the event.`,
      { cause: error },
    );
  }
  if (typeof verdict !== 'boolean') {
    throw new EventBusError(
      `The filter of async handler "${handler.id}" returned ${typeof verdict}, not a boolean. ` +
        `Filters run synchronously at publish: return true or false, not a promise.`,
    );
  }
  return verdict;
}

function laneQueueOf(handler: AsyncHandlerDefinition, key: string): string {
  const partition = handler.partition!;
  return partition.laneQueues[laneOf(key, partition.lanes)]!;
}
