import type { OutboxRow, OutboxStore } from 'nestjs-durable-bus/transport';

/** Writes one claimed batch to the transport (what the relay hands `OutboxStore.claim`). */
export type BatchWrite = (rows: readonly OutboxRow[]) => Promise<void>;

/**
 * The store, with every batch it claims passed to `around(rows, write)` instead of straight to the relay's write: a
 * test's (or benchmark's) hook around the write of each batch, to observe it, delay it, fail it or crash after it.
 * Everything else is the store's own.
 */
export function aroundEachBatch(
  store: OutboxStore,
  around: (rows: readonly OutboxRow[], write: BatchWrite) => Promise<void>,
): OutboxStore {
  return Object.assign(Object.create(store) as OutboxStore, {
    claim: (limit: number, write: BatchWrite, options?: Parameters<OutboxStore['claim']>[2]) =>
      store.claim(limit, (rows) => around(rows, write), options),
  });
}
