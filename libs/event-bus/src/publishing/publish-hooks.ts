import { currentTransactionScope } from '../transactions/transaction-scope';
import type { PreparedEvent } from './job-planner';

/**
 * Sees every event a `publish`/`publishAll` accepted (checked and encoded), synchronously, before its sync handlers
 * run, in the caller's call stack. For tooling: the testing kit records with it.
 */
export type PublishObserver = (prepared: PreparedEvent) => void;

/**
 * Sees every event whose publish failed after the observers saw it, with the error the publish rejects with: a sync
 * handler or a bridged listener threw, or the jobs could not be written. Nothing async was dispatched for it. For
 * tooling: the testing kit records such an event as refused, not published. Called synchronously; it must not throw.
 */
export type RefusedListener = (prepared: PreparedEvent, error: unknown) => void;

/**
 * Sees every event once its publish succeeded: sync handlers done, async jobs stored. Called synchronously, before
 * the publish's promise resolves; it must not throw (the broadcaster relays events from here).
 */
export type PublishedListener = (prepared: PreparedEvent) => void;

/** The tooling hooks of a bus: who sees an event when it is accepted, refused, and published. */
export class PublishHooks {
  private observers: readonly PublishObserver[] = [];
  private publishedListeners: readonly PublishedListener[] = [];
  private refusedListeners: readonly RefusedListener[] = [];

  observe(observer: PublishObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((other) => other !== observer);
    };
  }

  onPublished(listener: PublishedListener): () => void {
    this.publishedListeners = [...this.publishedListeners, listener];
    return () => {
      this.publishedListeners = this.publishedListeners.filter((other) => other !== listener);
    };
  }

  onRefused(listener: RefusedListener): () => void {
    this.refusedListeners = [...this.refusedListeners, listener];
    return () => {
      this.refusedListeners = this.refusedListeners.filter((other) => other !== listener);
    };
  }

  accepted(prepared: PreparedEvent): void {
    for (const observer of this.observers) observer(prepared);
  }

  refused(prepared: readonly PreparedEvent[], error: unknown): void {
    for (const item of prepared) for (const listener of this.refusedListeners) listener(item, error);
  }

  /**
   * Tells the published-listeners (broadcast) about events whose publish succeeded: now, or, inside a transaction,
   * once it commits (nothing when it rolls back), so no node hears of an event that never happened.
   */
  published(prepared: readonly PreparedEvent[]): void {
    if (this.publishedListeners.length === 0) return;
    const notify = () => {
      for (const item of prepared) for (const listener of this.publishedListeners) listener(item);
    };
    const scope = currentTransactionScope();
    if (scope) scope.afterCommit(notify);
    else notify();
  }
}
