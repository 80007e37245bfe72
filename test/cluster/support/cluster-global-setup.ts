import { startLocalPostgres } from '../../../tools/local-postgres';
import { startRedisCluster } from './redis-cluster';

/**
 * `npm run test:cluster`: one Redis Cluster (three masters on loopback) and one PostgreSQL for the run; the specs
 * read the cluster's nodes from REDIS_CLUSTER_NODES. Both are stopped by the teardown.
 */
export default async function clusterGlobalSetup(): Promise<void> {
  const [cluster, postgres] = await Promise.allSettled([startRedisCluster(), startLocalPostgres()]);
  if (cluster.status === 'rejected' || postgres.status === 'rejected') {
    for (const started of [cluster, postgres]) if (started.status === 'fulfilled') await started.value.stop();
    throw cluster.status === 'rejected' ? cluster.reason : (postgres as PromiseRejectedResult).reason;
  }
  process.env.REDIS_CLUSTER_NODES = cluster.value.nodes.join(',');
  // The shared test helpers read REDIS_URL; every app here overrides it with `connection: clusterConnection()`. A plain
  // client on it would get MOVED replies for most keys, so a helper that used it by mistake fails loudly.
  process.env.REDIS_URL = `redis://${cluster.value.nodes[0]}`;
  process.env.DATABASE_URL = postgres.value.url;
  const state = globalThis as {
    __TEST_CLUSTER__?: { stop(): Promise<void> };
    __TEST_POSTGRES__?: typeof postgres.value;
  };
  state.__TEST_CLUSTER__ = cluster.value;
  state.__TEST_POSTGRES__ = postgres.value;
}
