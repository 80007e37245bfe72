import { EventClass } from './event-class';

/**
 * Every class decorated with `@BusEvent` or `@BusType` in this process, by wire name. A consumer decodes nested
 * class instances by these names, and it has them because importing an event class imports the classes it uses.
 * Duplicates (two classes, one name) are reported when a bus builds its codec, not here: test runners and hot
 * reload evaluate the same file twice.
 */
const wireClasses = new Map<string, Set<EventClass>>();

export function registerWireClass(name: string, target: EventClass): void {
  let classes = wireClasses.get(name);
  if (!classes) wireClasses.set(name, (classes = new Set()));
  classes.add(target);
}

/** A snapshot of the decorated classes, name → classes (more than one class means a name clash). */
export function decoratedWireClasses(): ReadonlyMap<string, ReadonlySet<EventClass>> {
  return wireClasses;
}
