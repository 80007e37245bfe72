import { EventCodec } from '../codec/event-codec';
import type { BroadcastMessage } from '../contracts/broadcast-message';
import { toEventData } from '../contracts/event-envelope';
import { getEventDefinition } from '../events/bus-event.decorator';
import { classOf } from '../events/event-class';
import type { PreparedEvent } from '../publishing/job-planner';

/** The message of a published event; reuses the payload its jobs already encoded, else encodes it. */
export function toBroadcastMessage(prepared: PreparedEvent, codec: EventCodec): BroadcastMessage {
  const { envelope, event, jobs } = prepared;
  const encoded = jobs[0]?.data;
  const payload = encoded
    ? { json: encoded.payload, ...(encoded.types ? { meta: encoded.types } : {}) }
    : codec.encode(envelope.name, event, getEventDefinition(classOf(event))?.maxPayloadBytes);
  return toEventData(envelope, payload, envelope.partitionKey);
}
