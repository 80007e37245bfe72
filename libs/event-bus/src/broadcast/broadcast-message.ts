import { EventCodec } from '../codec/event-codec';
import type { PreparedEvent } from '../event-bus';
import { getEventDefinition } from '../events/bus-event.decorator';
import { classOf } from '../events/event-class';
import { EventJobData, toEventData } from '../events/event-envelope';

/**
 * An event as it travels to every node: the envelope and the encoded payload, like a job's data without a handler.
 * Plain JSON, so any node (and any tool watching the relay) can read it.
 */
export type BroadcastMessage = Omit<EventJobData, 'handler'>;

/** The message of a published event; reuses the payload its jobs already encoded, else encodes it. */
export function toBroadcastMessage(prepared: PreparedEvent, codec: EventCodec): BroadcastMessage {
  const { envelope, event, jobs } = prepared;
  const encoded = jobs[0]?.data;
  const payload = encoded
    ? { json: encoded.payload, ...(encoded.types ? { meta: encoded.types } : {}) }
    : codec.encode(envelope.name, event, getEventDefinition(classOf(event))?.maxPayloadBytes);
  return toEventData(envelope, payload, envelope.partitionKey);
}
