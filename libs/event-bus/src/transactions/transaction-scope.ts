import { AsyncLocalStorage } from 'node:async_hooks';
import { EventTransport, OutgoingJob } from '../contracts/event-transport';
import { AfterCommitDispatchError } from '../errors';

/**
 * One database transaction as the bus sees it: the adapter's transaction object (what `TransactionHost.tx` returns
 * inside it), the async jobs publishes made inside it deferred to after its commit, and callbacks to run then.
 * Created by {@link withEventBus} around every transaction the adapter opens; `publish` finds it through
 * {@link currentTransactionScope}.
 */
export class TransactionScope {
  /** The adapter's transaction object (TypeORM `EntityManager`, Drizzle transaction, …); set when it opens. */
  transaction: unknown = undefined;
  private readonly deferred = new Map<EventTransport, OutgoingJob[]>();
  private readonly callbacks: (() => void)[] = [];
  private finished = false;

  constructor(
    /** The enclosing scope when this one is a nested transaction (a savepoint), else `undefined`. */
    readonly parent: TransactionScope | undefined,
  ) {}

  /** False once the transaction committed or rolled back: publishes made after that are not part of it. */
  get open(): boolean {
    return !this.finished;
  }

  /** Keeps jobs to write after the commit, in publish order. Dropped if the transaction rolls back. */
  defer(transport: EventTransport, jobs: readonly OutgoingJob[]): void {
    let list = this.deferred.get(transport);
    if (!list) this.deferred.set(transport, (list = []));
    list.push(...jobs);
  }

  /** Runs `callback` after the commit (synchronously, before the deferred jobs are written). Errors are ignored. */
  afterCommit(callback: () => void): void {
    this.callbacks.push(callback);
  }

  /** The transaction rolled back: forget everything it deferred. */
  rolledBack(): void {
    this.finished = true;
    this.deferred.clear();
    this.callbacks.length = 0;
  }

  /**
   * The transaction committed. A nested one hands what it deferred to its parent (which may still roll back); an
   * outermost one runs its callbacks and writes the deferred jobs, one `dispatch` per transport (one MULTI on
   * BullMQ), rejecting with an {@link AfterCommitDispatchError} if a write fails.
   */
  async committed(): Promise<void> {
    this.finished = true;
    if (this.parent) {
      for (const [transport, jobs] of this.deferred) this.parent.defer(transport, jobs);
      for (const callback of this.callbacks) this.parent.afterCommit(callback);
      return;
    }
    for (const callback of this.callbacks) {
      try {
        callback();
      } catch {
        // A callback is a nudge (wake the relay); its failure must not fail a committed transaction.
      }
    }
    const failures: { jobs: OutgoingJob[]; error: unknown }[] = [];
    await Promise.all(
      [...this.deferred].map(([transport, jobs]) =>
        transport.dispatch(jobs).catch((error: unknown) => void failures.push({ jobs, error })),
      ),
    );
    if (failures.length > 0) {
      throw new AfterCommitDispatchError(
        failures.flatMap((failure) => failure.jobs.map((job) => job.jobId)),
        failures[0]!.error,
      );
    }
  }
}

const scopes = new AsyncLocalStorage<TransactionScope>();

/** The open transaction the caller runs in, if a {@link withEventBus}-wrapped adapter opened one. */
export function currentTransactionScope(): TransactionScope | undefined {
  const scope = scopes.getStore();
  return scope?.open ? scope : undefined;
}

/** Runs `fn` with `scope` as the current transaction scope. */
export function runInTransactionScope<R>(scope: TransactionScope, fn: () => R): R {
  return scopes.run(scope, fn);
}
