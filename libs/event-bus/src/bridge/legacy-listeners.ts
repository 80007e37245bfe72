/** One `@OnEvent(...)` of @nestjs/event-emitter found on a provider: where it is and the event name it listens to. */
export interface LegacyListener {
  /** `Class.method`. */
  readonly location: string;
  /** The listened event as a string (`string[]` joined with "."), or `undefined` for a symbol. */
  readonly event: string | undefined;
}

/** Which bus events each legacy listener reaches, and the listeners that reach none but look like a typo of one. */
export interface BridgeReport {
  readonly reached: ReadonlyMap<string, readonly string[]>;
  readonly nearMisses: readonly { listener: LegacyListener; nearest: string }[];
}

/**
 * Matches legacy listeners to wire names. A name with `*` is read as an EventEmitter2 wildcard pattern (one segment
 * per `*`, any rest for `**`), as the emitter would with `wildcard: true`. A listener that reaches no wire name is a
 * near miss when the nearest wire name is within an edit distance of a quarter of its length (at least 2): listeners
 * of other, non-bus events are normal and stay quiet.
 */
export function matchLegacyListeners(listeners: readonly LegacyListener[], wireNames: readonly string[]): BridgeReport {
  const reached = new Map<string, string[]>();
  const nearMisses: { listener: LegacyListener; nearest: string }[] = [];
  for (const listener of listeners) {
    const name = listener.event;
    if (name === undefined) continue;
    const pattern = name.includes('*') ? wildcardPattern(name) : undefined;
    const hits = wireNames.filter((wire) => (pattern ? pattern.test(wire) : wire === name));
    for (const wire of hits) reached.set(wire, [...(reached.get(wire) ?? []), listener.location]);
    if (hits.length > 0 || pattern) continue;
    const nearest = nearestName(name, wireNames);
    if (nearest && nearest.distance <= Math.max(2, Math.floor(name.length / 4))) {
      nearMisses.push({ listener, nearest: nearest.name });
    }
  }
  return { reached, nearMisses };
}

function wildcardPattern(name: string): RegExp {
  const escaped = name
    .split('.')
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^.]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('\\.');
  return new RegExp(`^${escaped}$`);
}

/** The candidate closest to `name`, and its edit distance. */
function nearestName(name: string, candidates: readonly string[]): { name: string; distance: number } | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
