import { afterAll, expect, it } from '@jest/globals';
import { startThrowawayRedisCluster } from '@switchyard/db/testing';
import { Cluster } from 'ioredis';
import { eventually } from './support/test-app.js';

// Both apps on a Redis Cluster (README "Redis Cluster"): a provider-signed webhook goes in at the
// gateway, onto the queues and the scheduler on the cluster, and out of the real dispatcher
// process, which reaches the same cluster. The scenarios are gateway-to-dispatcher's, run as they
// are (support/test-app.ts reads TEST_REDIS_CLUSTER_NODES; the spec hands the seeds on).
const cluster = await startThrowawayRedisCluster();
process.env.TEST_REDIS_CLUSTER_NODES = cluster.seeds;
try {
  await import('./gateway-to-dispatcher.e2e-spec.js');
} catch (error) {
  await cluster.stop();
  throw error;
}
it('the work went through the cluster: the gateway woke each endpoint there, and the dispatcher ran its turns to the end', async () => {
  const redis = new Cluster(cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })));
  try {
    await eventually(async () => {
      const states: string[] = [];
      for (const node of redis.nodes('master')) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', 'sy-test-gateway-both-apps-*:ep:{*}', 'COUNT', 1000);
          cursor = next;
          states.push(...keys);
        } while (cursor !== '0');
      }
      // Four endpoints in that file: one, then three for the fan-out.
      expect(states).toHaveLength(4);
      // `i`: idle, as only the dispatcher's END script leaves it (the gateway's wake queues a turn).
      expect(await Promise.all(states.map((key) => redis.hget(key, 'st')))).toEqual(['i', 'i', 'i', 'i']);
    });
  } finally {
    redis.disconnect();
  }
});

// Registered after that file's hooks, so the apps have closed before their Redis goes.
afterAll(async () => {
  delete process.env.TEST_REDIS_CLUSTER_NODES;
  await cluster.stop();
});
