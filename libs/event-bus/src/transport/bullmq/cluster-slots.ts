/**
 * Redis Cluster slots, for the writes the bus sends as one MULTI: a cluster runs a transaction only when all its keys
 * are in one slot, so on a cluster such a write is split into one MULTI per slot. Every key of one queue (BullMQ's
 * and the lanes') shares the queue's hash tag, so a queue is the unit that is never split.
 */

// ioredis's own dependency (the CRC16 Redis Cluster uses); it ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS function export without types
const calculateSlot = require('cluster-key-slot') as (key: string) => number;

/** The cluster slot of a Redis key (its hash tag's, if it has one). */
export function slotOf(key: string): number {
  return calculateSlot(key);
}

/**
 * The indices of `items`, grouped by the slot of each item's key, each group in the items' order (so writes to one
 * queue keep their order), groups in the order of their first item. Not on a cluster: one group of them all.
 */
export function groupBySlot<T>(items: readonly T[], keyOf: (item: T) => string, onCluster: boolean): number[][] {
  if (!onCluster) return [items.map((_, index) => index)];
  const groups = new Map<number, number[]>();
  items.forEach((item, index) => {
    const slot = slotOf(keyOf(item));
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = []));
    group.push(index);
  });
  return [...groups.values()];
}
