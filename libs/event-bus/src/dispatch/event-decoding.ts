import { EventCodec } from '../codec/event-codec';
import { EventDefinition } from '../events/bus-event.decorator';
import { EventEnvelope, EventJobData } from '../contracts/event-envelope';
import { traceContextOfData } from './trace-context';

/** An event as it was written: a job's data, or a broadcast message (the same fields without a handler). */
export type EventData = Omit<EventJobData, 'handler'>;

/**
 * Why event data cannot become its event here. The message is a reason that follows "its …" or stands alone
 * ("its payload cannot be decoded: …"); workers fail the job with it, broadcasts log it.
 */
export class UndecodableEventData extends Error {
  constructor(
    message: string,
    /** The event is newer than this process's class: deploy the new class to consumers first. */
    readonly newerVersion = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UndecodableEventData';
  }
}

/**
 * The envelope and a fresh instance of the event `data` carries, at the version this process knows (older data is
 * upcast with the event's `upcast`). Each call builds its own instance, so every handler gets its own copy. The one
 * decoder of workers and broadcasts; the caller has checked `data` is an event of `definition`.
 */
export function decodeEventData(
  codec: EventCodec,
  definition: EventDefinition,
  data: EventData,
): { event: object; envelope: EventEnvelope } {
  if (data.version > definition.version) {
    throw new UndecodableEventData(
      `its event "${definition.name}" has version ${data.version}, newer than version ${definition.version} known ` +
        `to this process; deploy the new event class to the consumers before the publishers`,
      true,
    );
  }
  const depth: unknown = data.depth ?? 1;
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1) {
    throw new UndecodableEventData(`its depth ${JSON.stringify(depth)} is not a positive integer`);
  }
  let fields: Record<string, unknown>;
  try {
    fields = codec.decodeFields({ json: data.payload, ...(data.types ? { meta: data.types } : {}) });
  } catch (error) {
    throw new UndecodableEventData(`its payload cannot be decoded: ${(error as Error).message}`, false, {
      cause: error,
    });
  }
  if (data.version < definition.version && definition.upcast) fields = definition.upcast(fields, data.version);
  const envelope: EventEnvelope = {
    id: data.id,
    name: data.event,
    version: definition.version,
    occurredAt: new Date(data.occurredAt),
    correlationId: data.correlationId,
    causationId: data.causationId ?? undefined,
    partitionKey: data.partitionKey ?? undefined,
    depth,
    ...traceContextOfData(data),
  };
  return { event: EventCodec.instantiate(definition, fields), envelope };
}
