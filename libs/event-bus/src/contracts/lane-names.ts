/**
 * Which lane a partition key goes to: FNV-1a (32 bit) of the key's UTF-8 bytes, modulo the lane count. Stable
 * across processes, restarts and languages, so every publisher sends a key to the same lane.
 */
export function laneOf(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % lanes;
}

/**
 * The queue name of a handler's lane. The whole name is a Redis Cluster hash tag (`{…}`), so each lane's keys share
 * one slot and different lanes can live on different shards.
 */
export function laneQueueName(handlerId: string, lane: number): string {
  return `{${handlerId}.lane-${lane}}`;
}

/** Whether a queue name is one {@link laneQueueName} makes. */
export function isLaneQueueName(queue: string): boolean {
  return /^\{.+\.lane-\d+\}$/.test(queue);
}
