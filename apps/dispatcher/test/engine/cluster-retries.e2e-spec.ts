import { onThrowawayRedisCluster } from '../support/redis-cluster.js';

// Retries, failures and what is recorded, on a Redis Cluster of this file's own (README "Redis
// Cluster"): the failures suite as it runs on one Redis. Failovers: cluster.e2e-spec.ts.
await onThrowawayRedisCluster();
await import('./failures.e2e-spec.js');
