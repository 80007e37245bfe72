import { Inject, Injectable } from '@nestjs/common';
import { EventBusConfigError } from '../errors';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { laneGroups } from '../handlers/handler-registry';
import { laneOf } from '../contracts/lane-names';
import { EVENT_TRANSPORT, EventTransport, ParkedKey, ReleaseMode } from '../contracts/event-transport';

/**
 * Parked keys of partitioned handlers with `onExhausted: 'park'`: list them, and release one so it resumes in order.
 *
 * ```ts
 * const parked = await parkedKeys.list();                 // every handler
 * await parkedKeys.release('finances.issue-invoice', 'o-42', 'retry'); // or 'skip' the dead event
 * ```
 */
@Injectable()
export class ParkedKeys {
  constructor(
    private readonly explorer: EventHandlersExplorer,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
  ) {}

  /** Parked keys, oldest first; of one handler's lane group when `handlerId` (or a group name) is given. */
  list(handlerId?: string): Promise<ParkedKey[]> {
    const groups = laneGroups(this.explorer.getRegistry().asyncHandlers).filter(
      (group) => handlerId === undefined || group.group === handlerId || group.members.some((m) => m.id === handlerId),
    );
    return this.transport.listParked(groups);
  }

  /**
   * Releases a parked key: its dead event is retried with fresh attempts (`'retry'`) or dropped (`'skip'`), then the
   * events set aside behind it run in publish order, all before any later event of the key. Resolves once the
   * release is queued at the head of the key's lane (it runs as soon as the lane's current job finishes).
   * `handlerId` may name any handler of the lane group, or the group.
   */
  async release(handlerId: string, key: string, mode: ReleaseMode): Promise<void> {
    const group = laneGroups(this.explorer.getRegistry().asyncHandlers).find(
      (candidate) => candidate.group === handlerId || candidate.members.some((m) => m.id === handlerId),
    );
    if (!group) {
      throw new EventBusConfigError(
        `Cannot release key "${key}": "${handlerId}" is neither a partitioned async handler nor a lane group of this application.`,
      );
    }
    if (mode !== 'retry' && mode !== 'skip') {
      throw new EventBusConfigError(`Release mode must be 'retry' or 'skip', received ${String(mode)}.`);
    }
    await this.transport.releaseParked(group.group, group.laneQueues[laneOf(key, group.laneQueues.length)]!, key, mode);
  }
}
