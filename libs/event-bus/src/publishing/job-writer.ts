import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TRANSPORT, EventTransport, OutgoingJob } from '../contracts/event-transport';
import { EventBusOutbox } from '../outbox/event-bus-outbox';
import { currentTransactionScope, TransactionScope } from '../transactions/transaction-scope';

/**
 * Stores a publish's jobs where they belong: the transport now; or, inside a transaction opened by a `withEventBus`
 * adapter, the outbox through that transaction (outbox on), or the transaction's after-commit list (outbox off).
 */
@Injectable()
export class JobWriter {
  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    private readonly outbox: EventBusOutbox,
  ) {}

  write(jobs: readonly OutgoingJob[]): Promise<void> {
    const scope = currentTransactionScope();
    if (!scope) return this.transport.dispatch(jobs);
    if (this.outbox.enabled) return this.insertIntoOutbox(scope, jobs);
    scope.defer(this.transport, jobs);
    return Promise.resolve();
  }

  /**
   * Inserts the jobs through the transaction. A relay running in this process is woken after the commit; without one
   * the store asks for a commit notification (NOTIFY) so that relays elsewhere hear of the rows.
   */
  private async insertIntoOutbox(scope: TransactionScope, jobs: readonly OutgoingJob[]): Promise<void> {
    const relay = this.outbox.relay?.running ? this.outbox.relay : undefined;
    await this.outbox.store!.insert(scope.transaction, jobs, { notify: !relay });
    if (relay) scope.afterCommit(() => relay.wake());
  }
}
