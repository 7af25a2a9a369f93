import { afterAll } from '@jest/globals';
import { startThrowawayRedisCluster, type ThrowawayRedisCluster } from '@switchyard/db/testing';

/**
 * Runs the rest of the calling test file on a Redis Cluster of its own (three masters with a
 * replica each, on loopback): call it at the top level, before the suites are imported or
 * declared. Every dispatcher they start then reaches the cluster (test-app.ts reads
 * TEST_REDIS_CLUSTER_NODES), and the cluster is killed after them, whatever happened.
 */
export async function onThrowawayRedisCluster(): Promise<ThrowawayRedisCluster> {
  const cluster = await startThrowawayRedisCluster();
  process.env.TEST_REDIS_CLUSTER_NODES = cluster.seeds;
  afterAll(async () => {
    delete process.env.TEST_REDIS_CLUSTER_NODES;
    await cluster.stop();
  });
  return cluster;
}
