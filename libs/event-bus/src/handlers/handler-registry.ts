import { EventDefinition } from '../events/bus-event.decorator';
import { LaneGroup } from '../contracts/event-transport';
import {
  AsyncHandlerDefinition,
  BroadcastHandlerDefinition,
  HandlerDefinition,
  SyncHandlerDefinition,
} from './handler-definition';

const NONE: readonly never[] = Object.freeze([]);

/** The immutable result of discovery: which handlers each event has, in run order. */
export class HandlerRegistry {
  private readonly syncByEvent = new Map<string, readonly SyncHandlerDefinition[]>();
  private readonly asyncByEvent = new Map<string, readonly AsyncHandlerDefinition[]>();
  private readonly asyncById = new Map<string, AsyncHandlerDefinition>();
  private readonly eventsByName = new Map<string, EventDefinition>();
  private readonly broadcastByEvent = new Map<string, readonly BroadcastHandlerDefinition[]>();

  /**
   * `handlers` in discovery order; sync handlers are sorted by `order`, ties kept in discovery order.
   * `broadcastHandlers` (every node, at most once) are kept apart: they take no part in `publish` or in jobs.
   */
  constructor(
    readonly handlers: readonly HandlerDefinition[],
    readonly broadcastHandlers: readonly BroadcastHandlerDefinition[] = NONE,
  ) {
    for (const handler of broadcastHandlers) {
      this.eventsByName.set(handler.event.name, handler.event);
      const list = this.broadcastByEvent.get(handler.event.name) ?? [];
      this.broadcastByEvent.set(handler.event.name, [...list, handler]);
    }
    for (const handler of handlers) {
      this.eventsByName.set(handler.event.name, handler.event);
      if (handler.kind === 'sync') {
        this.syncByEvent.set(handler.event.name, [...(this.syncByEvent.get(handler.event.name) ?? []), handler]);
      } else {
        this.asyncByEvent.set(handler.event.name, [...(this.asyncByEvent.get(handler.event.name) ?? []), handler]);
        this.asyncById.set(handler.id, handler);
      }
    }
    for (const [name, list] of this.syncByEvent) {
      // Array.prototype.sort is stable: equal orders keep discovery order.
      this.syncByEvent.set(name, Object.freeze([...list].sort((a, b) => a.order - b.order)));
    }
    for (const [name, list] of this.asyncByEvent) this.asyncByEvent.set(name, Object.freeze(list));
  }

  syncHandlersOf(eventName: string): readonly SyncHandlerDefinition[] {
    return this.syncByEvent.get(eventName) ?? NONE;
  }

  asyncHandlersOf(eventName: string): readonly AsyncHandlerDefinition[] {
    return this.asyncByEvent.get(eventName) ?? NONE;
  }

  /** The `@OnEventBroadcast` handlers of an event, in discovery order. */
  broadcastHandlersOf(eventName: string): readonly BroadcastHandlerDefinition[] {
    return this.broadcastByEvent.get(eventName) ?? NONE;
  }

  asyncHandler(id: string): AsyncHandlerDefinition | undefined {
    return this.asyncById.get(id);
  }

  get asyncHandlers(): readonly AsyncHandlerDefinition[] {
    return [...this.asyncById.values()];
  }

  /** Events some handler of this process subscribes to. */
  event(name: string): EventDefinition | undefined {
    return this.eventsByName.get(name);
  }

  /** Wire names of the events some handler of this process subscribes to. */
  get eventNames(): readonly string[] {
    return [...this.eventsByName.keys()];
  }
}

/** A lane group: its lanes and the partitioned handlers that share them (one, unless they set a `group`). */
export interface LaneGroupDefinition extends LaneGroup {
  readonly members: readonly AsyncHandlerDefinition[];
}

/** The lane groups of `handlers`, each once, members in registry order. */
export function laneGroups(handlers: readonly AsyncHandlerDefinition[]): LaneGroupDefinition[] {
  const groups = new Map<string, { group: string; laneQueues: readonly string[]; members: AsyncHandlerDefinition[] }>();
  for (const handler of handlers) {
    const partition = handler.partition;
    if (!partition) continue;
    const group = groups.get(partition.group);
    if (group) group.members.push(handler);
    else groups.set(partition.group, { group: partition.group, laneQueues: partition.laneQueues, members: [handler] });
  }
  return [...groups.values()];
}
