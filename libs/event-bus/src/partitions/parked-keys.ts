import { Inject, Injectable } from '@nestjs/common';
import { EventBusConfigError } from '../errors';
import { EventHandlersExplorer } from '../handlers/event-handlers.explorer';
import { handlerLanes } from '../handlers/handler-registry';
import { laneOf } from '../handlers/partition-lanes';
import { EVENT_TRANSPORT, EventTransport, ParkedKey, ReleaseMode } from '../transport/event-transport';

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

  /** Parked keys, oldest first; of one handler when `handlerId` is given. */
  list(handlerId?: string): Promise<ParkedKey[]> {
    const handlers = this.explorer
      .getRegistry()
      .asyncHandlers.filter((h) => handlerId === undefined || h.id === handlerId);
    return this.transport.listParked(handlerLanes(handlers));
  }

  /**
   * Releases a parked key: its dead event is retried with fresh attempts (`'retry'`) or dropped (`'skip'`), then the
   * events set aside behind it run in publish order, all before any later event of the key. Resolves once the
   * release is queued at the head of the key's lane (it runs as soon as the lane's current job finishes).
   */
  async release(handlerId: string, key: string, mode: ReleaseMode): Promise<void> {
    const handler = this.explorer.getRegistry().asyncHandler(handlerId);
    const partition = handler?.partition;
    if (!partition) {
      throw new EventBusConfigError(
        `Cannot release key "${key}": "${handlerId}" is not a partitioned async handler of this application.`,
      );
    }
    if (mode !== 'retry' && mode !== 'skip') {
      throw new EventBusConfigError(`Release mode must be 'retry' or 'skip', received ${String(mode)}.`);
    }
    await this.transport.releaseParked(handlerId, partition.laneQueues[laneOf(key, partition.lanes)]!, key, mode);
  }
}
