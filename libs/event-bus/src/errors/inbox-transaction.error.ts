import { UnrecoverableEventError } from './unrecoverable-event.error';

/**
 * The transaction the inbox opened for a handler is not one the bus can see: the `TransactionHost` given as
 * `inbox.transactionHost` does not use an adapter wrapped in `withEventBus`, so the inbox row could not be written in
 * it. The job fails at once (retrying cannot help); fix the configuration and retry it.
 */
export class InboxTransactionError extends UnrecoverableEventError {
  override readonly name: string = 'InboxTransactionError';

  constructor(
    readonly handlerId: string,
    readonly eventId: string,
  ) {
    super(
      `Inbox of handler "${handlerId}" (event ${eventId}): the transaction opened through inbox.transactionHost is ` +
        `not known to the bus, so the inbox row cannot be written in it. Wrap the transactional adapter of that ` +
        `TransactionHost in withEventBus (new ClsPluginTransactional({ adapter: withEventBus(new ` +
        `TransactionalAdapterTypeOrm(…)) })), then retry the job.`,
    );
  }
}
