import { currentTransactionScope, runInTransactionScope, TransactionScope } from './transaction-scope';

/** A function the adapter runs inside the transaction (the `withTransaction` / `@Transactional` body). */
/** The function a transactional adapter runs inside the transaction. */
export type TransactionBody = (...args: never[]) => Promise<unknown>;

/**
 * The part of an `@nestjs-cls/transactional` adapter's options the bus wraps (`TransactionalAdapterOptions`),
 * declared structurally so the core does not import nestjs-cls.
 */
export interface TransactionalAdapterOptionsLike<TTx, TOptions> {
  wrapWithTransaction: (options: TOptions, fn: TransactionBody, setTx: (client?: TTx) => void) => Promise<unknown>;
  wrapWithNestedTransaction?: (
    options: TOptions,
    fn: TransactionBody,
    setTx: (client?: TTx) => void,
    tx: TTx,
  ) => Promise<unknown>;
  getFallbackInstance: () => TTx;
}

/**
 * An `@nestjs-cls/transactional` adapter (`TransactionalAdapter`), declared structurally: its `optionsFactory`
 * returns {@link TransactionalAdapterOptionsLike}.
 */
export interface TransactionalAdapterLike {
  optionsFactory: (connection: never, extraProviders: never) => object;
}

/**
 * Wraps an `@nestjs-cls/transactional` adapter so the event bus knows about its transactions:
 *
 * ```ts
 * new ClsPluginTransactional({
 *   imports: [TypeOrmModule],
 *   adapter: withEventBus(new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource })),
 * })
 * ```
 *
 * Inside a transaction it opens, `EventBus.publish` runs the sync handlers as always (in the caller's context, so in
 * the transaction) and, instead of writing the async jobs at once, keeps them until the transaction commits (or,
 * with the outbox, inserts them into the outbox table through the transaction). On commit the kept jobs are written
 * before `withTransaction` resolves; on rollback they are dropped. A nested transaction (savepoint) hands its jobs
 * to the enclosing one when it succeeds and drops them when it rolls back.
 *
 * Returns a new adapter object (the one passed in is not modified); everything else about the adapter is unchanged.
 */
export function withEventBus<TAdapter extends TransactionalAdapterLike>(adapter: TAdapter): TAdapter {
  const wrapped = Object.create(Object.getPrototypeOf(adapter) as object | null) as TAdapter;
  Object.assign(wrapped, adapter);
  const factory = adapter.optionsFactory as (
    connection: unknown,
    extraProviders: unknown,
  ) => TransactionalAdapterOptionsLike<unknown, unknown>;
  const optionsFactory = (connection: unknown, extraProviders: unknown) =>
    deferEventsToCommit(factory.call(adapter, connection, extraProviders));
  Object.assign(wrapped, { optionsFactory });
  return wrapped;
}

function deferEventsToCommit<TTx, TOptions>(
  inner: TransactionalAdapterOptionsLike<TTx, TOptions>,
): TransactionalAdapterOptionsLike<TTx, TOptions> {
  const run = async (
    scope: TransactionScope,
    open: (fn: TransactionBody, setTx: (client?: TTx) => void) => Promise<unknown>,
    fn: TransactionBody,
    setTx: (client?: TTx) => void,
  ) => {
    let result: unknown;
    try {
      result = await open(
        (...args) => runInTransactionScope(scope, () => fn(...args)),
        (client) => {
          if (client !== undefined) scope.transaction = client;
          setTx(client);
        },
      );
    } catch (error) {
      scope.rolledBack();
      throw error;
    }
    await scope.committed();
    return result;
  };
  const options: TransactionalAdapterOptionsLike<TTx, TOptions> = {
    ...inner,
    wrapWithTransaction: (txOptions, fn, setTx) =>
      run(new TransactionScope(undefined), (body, set) => inner.wrapWithTransaction(txOptions, body, set), fn, setTx),
  };
  const nested = inner.wrapWithNestedTransaction;
  if (nested) {
    options.wrapWithNestedTransaction = (txOptions, fn, setTx, tx) =>
      run(
        new TransactionScope(currentTransactionScope()),
        (body, set) => nested.call(inner, txOptions, body, set, tx),
        fn,
        setTx,
      );
  }
  return options;
}
