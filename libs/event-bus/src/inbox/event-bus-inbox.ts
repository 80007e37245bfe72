import { Inject, Injectable, Logger } from '@nestjs/common';
import { InboxTransactionError } from '../errors';
import { errorMessage } from '../errors/error-message';
import { EventContext } from '../contracts/event-context';
import { ResolvedEventBusOptions } from '../contracts/event-bus-options';
import { RESOLVED_EVENT_BUS_OPTIONS } from '../contracts/tokens';
import { currentTransactionScope } from '../transactions/transaction-scope';
import { ResolvedInboxOptions } from '../contracts/inbox-options';
import { InboxStore } from '../contracts/inbox-store';
import type { InboxGate } from '../contracts/inbox-gate';

/** What a job of an inbox handler resolves with when its event was handled already (the job's return value). */
export interface InboxDuplicate {
  readonly inbox: 'duplicate';
  readonly handlerId: string;
  readonly eventId: string;
}

/** What this process's inbox did since it started. */
export interface InboxStats {
  /** Deliveries whose handler ran and committed. */
  readonly handled: number;
  /** Deliveries skipped because the event's row existed (the handler had committed it before). */
  readonly duplicates: number;
}

/**
 * The bus's inbox, when the `inbox` option is set: runs `{ inbox: true }` handlers in a transaction that first
 * records `(handler id, event id)`, skips deliveries already recorded, and prunes rows past the retention. Inject it
 * to read {@link stats} or to prune in scripts.
 */
@Injectable()
export class EventBusInbox implements InboxGate {
  /** The store, `undefined` when the inbox is off. */
  readonly store: InboxStore | undefined;
  private readonly options: ResolvedInboxOptions | undefined;
  private readonly logger = new Logger('EventBus');
  private pruneTimer: NodeJS.Timeout | undefined;
  private handled = 0;
  private duplicates = 0;

  constructor(@Inject(RESOLVED_EVENT_BUS_OPTIONS) options: ResolvedEventBusOptions) {
    this.options = options.inbox;
    this.store = options.inbox?.store;
  }

  /** True when the `inbox` option is set. */
  get enabled(): boolean {
    return this.store !== undefined;
  }

  /**
   * Runs `handle` in a transaction opened through the `TransactionHost`, after recording the delivery. When the row
   * exists, resolves with an {@link InboxDuplicate} without running `handle`; when `handle` throws, the transaction
   * rolls back with the row, and the error passes through.
   */
  async run(context: EventContext, jobId: string | undefined, handle: () => Promise<unknown>): Promise<unknown> {
    const { store, transactionHost } = this.options!;
    const { handlerId, eventId } = context;
    const outcome = await transactionHost.withTransaction(async () => {
      const scope = currentTransactionScope();
      if (!scope) throw new InboxTransactionError(handlerId, eventId);
      if (!(await store.claim(scope.transaction, handlerId, eventId))) return DUPLICATE;
      return { result: await handle() };
    });
    if (outcome === DUPLICATE) {
      this.duplicates++;
      this.logger.log(
        `Inbox: job ${jobId ?? '-'} (${context.eventName} → ${handlerId}) is a duplicate delivery of event ` +
          `${eventId}, handled before; skipped, job completed`,
      );
      return { inbox: 'duplicate', handlerId, eventId } satisfies InboxDuplicate;
    }
    this.handled++;
    return outcome.result;
  }

  stats(): InboxStats {
    return { handled: this.handled, duplicates: this.duplicates };
  }

  /** Deletes rows older than the retention; resolves with how many (0 when it failed: logged). */
  async prune(): Promise<number> {
    if (!this.options) return 0;
    try {
      return await this.options.store.prune(this.options.retention);
    } catch (error) {
      this.logger.warn(`Inbox: prune failed (${errorMessage(error)}); next try in ${this.options.pruneInterval} ms`);
      return 0;
    }
  }

  /** Starts pruning every `pruneInterval` (consuming processes, unless `inbox.prune` is false). */
  startPruning(): void {
    if (!this.options?.prune || this.pruneTimer) return;
    this.pruneTimer = setInterval(() => void this.prune(), this.options.pruneInterval);
    this.pruneTimer.unref();
  }

  stopPruning(): void {
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }
}

const DUPLICATE = Symbol('duplicate');
