import type { EventEnvelope } from '../contracts/event-envelope';

/**
 * Events whose publish made jobs keep their envelope, so publishing the same instance again (say, after a failed
 * write) maps to the same job ids and BullMQ skips the ones already stored. It sits on the event itself, in a
 * non-enumerable symbol property (invisible to spreads, `Object.keys`, JSON, the codec and Jest's `toStrictEqual`),
 * next to the event it belongs to, so that a copy made with its property descriptors, or an object whose prototype is
 * the event, does not pass for it; frozen events (and Proxies that refuse the property) fall back to a WeakMap.
 * Events without jobs keep nothing: there is nothing to deduplicate, and on the sync-only path a WeakMap entry per
 * event made the garbage collector the biggest cost of a publish (bench scenario 1: 0.55× of @nestjs/event-emitter).
 */
const ENVELOPE = Symbol('nestjs-durable-bus:envelope');
const frozenEnvelopes = new WeakMap<object, EventEnvelope>();

/** What the property holds: the envelope, and the event it belongs to (copies and `Object.create` children differ). */
interface KeptEnvelope {
  readonly owner: object;
  readonly envelope: EventEnvelope;
}

/** The envelope an earlier publish of this very instance gave it, if any. */
export function knownEnvelope(event: object): EventEnvelope | undefined {
  const kept = (event as { [ENVELOPE]?: KeptEnvelope })[ENVELOPE];
  if (kept?.owner === event) return kept.envelope;
  return frozenEnvelopes.get(event);
}

/** Remembers the envelope on the instance, for a later publish of it. */
export function keepEnvelope(event: object, envelope: EventEnvelope): void {
  if (Object.isExtensible(event)) {
    try {
      Object.defineProperty(event, ENVELOPE, { value: { owner: event, envelope } satisfies KeptEnvelope });
      return;
    } catch {
      // A Proxy may refuse the property: the WeakMap takes it.
    }
  }
  frozenEnvelopes.set(event, envelope);
}
