import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TRANSPORT, EventTransport, OutgoingJob } from '../contracts/event-transport';
import { EventBusOutbox } from '../outbox/event-bus-outbox';
import { currentTransactionScope } from '../transactions/transaction-scope';

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
    if (this.outbox.enabled) return this.outbox.insert(scope, jobs);
    scope.defer(this.transport, jobs);
    return Promise.resolve();
  }
}
