import { Cluster } from 'ioredis';
import { slotOf } from '../../../libs/event-bus/src/transport/bullmq/cluster-slots';

/** The cluster's seed nodes (from the global setup), as redis:// URLs. */
export function clusterNodes(): string[] {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (!nodes) throw new Error('REDIS_CLUSTER_NODES is not set: run through npm run test:cluster.');
  return nodes.split(',').map((node) => `redis://${node}`);
}

/** The bus's `connection` option for the test cluster. */
export function clusterConnection(): { cluster: { nodes: string[] } } {
  return { cluster: { nodes: clusterNodes() } };
}

const openClients = new Set<Cluster>();

/** A cluster client for assertions (ready, its slot map loaded), closed after the test. */
export async function clusterClient(): Promise<Cluster> {
  const client = new Cluster(clusterNodes());
  openClients.add(client);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** The master (`host:port`) that serves `key`'s slot. */
export function masterOf(client: Cluster, key: string): string {
  const owners = client.slots[slotOf(key)];
  if (!owners?.[0]) throw new Error(`no node serves the slot of ${key}`);
  return owners[0];
}

/** Keys matching `pattern` on every master (a cluster client's KEYS asks one node only). */
export async function keysMatching(client: Cluster, pattern: string): Promise<string[]> {
  const perNode = await Promise.all(client.nodes('master').map((node) => node.keys(pattern)));
  return perNode.flat();
}

/** Any key of a BullMQ queue under `prefix` (they all hash alike), as the bus names it on a cluster. */
export function queueKey(prefix: string, queue: string): string {
  return `${prefix}:${queue.includes('{') ? queue : `{${queue}}`}:`;
}

afterEach(async () => {
  await Promise.all([...openClients].map((client) => client.quit()));
  openClients.clear();
});
