import { bullKeyPrefix } from '@switchyard/events';
import type { RedisNode } from '@switchyard/platform';
import type { QueueOptions } from 'bull';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** How the apps reach Redis: REDIS_URL, or a cluster through REDIS_CLUSTER_NODES (README "Redis Cluster"). */
export interface RedisConnectionSettings {
  readonly redisUrl: string;
  /** Empty: one Redis at redisUrl. */
  readonly redisClusterNodes: readonly RedisNode[];
}

/** A client the engine's own scripts run on: one Redis, or a cluster. */
export type RedisClient = Redis | Cluster;

/** Bull's three connections per queue. */
type BullClientType = 'client' | 'subscriber' | 'bclient';

/**
 * Opens the apps' Redis connections, one Redis or a Redis Cluster, and closes the ones Bull does
 * not close itself.
 *
 * On a cluster, Bull gets `createClient` returning ioredis `Cluster` clients. Its blocking client
 * and subscriber must neither run the ready check nor give up on a command after some retries
 * (Bull refuses them otherwise, and a BRPOPLPUSH waiting through a failover must not fail): both
 * are set on every node's connection (`redisOptions`). The keys' hash tag comes from
 * `bullKeyPrefix` on both kinds of Redis, so switching to a cluster changes no key.
 */
export class RedisConnector {
  /** Clients made for Bull's `createClient`: Bull closes only the clients it makes itself. */
  private readonly owned = new Set<RedisClient>();

  constructor(private readonly settings: RedisConnectionSettings) {}

  get isCluster(): boolean {
    return this.settings.redisClusterNodes.length > 0;
  }

  /** The options BullModule.forRoot takes for the connection and the keys' prefix. */
  bullOptions(queuePrefix: string): Pick<QueueOptions, 'redis' | 'prefix' | 'createClient'> {
    const prefix = bullKeyPrefix(queuePrefix);
    if (!this.isCluster) return { redis: this.settings.redisUrl, prefix };
    return { prefix, createClient: (type) => this.track(this.cluster(type)) };
  }

  /** A client for the engine's scripts (auto-pipelined: calls made in one tick share a round trip, per node on a cluster). */
  schedulerClient(): RedisClient {
    if (!this.isCluster) return new Redis(this.settings.redisUrl, { enableAutoPipelining: true });
    return this.cluster('client', { enableAutoPipelining: true });
  }

  /** Disconnects the clients made for Bull (after its queues have closed). */
  async close(): Promise<void> {
    const clients = [...this.owned];
    this.owned.clear();
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  }

  private track(client: RedisClient): RedisClient {
    this.owned.add(client);
    client.once('end', () => this.owned.delete(client));
    return client;
  }

  private cluster(type: BullClientType, extra: ClusterOptions = {}): Cluster {
    const blocking = type !== 'client';
    const options: ClusterOptions = {
      ...extra,
      // Bull's checks read redisOptions on a cluster; see the class comment.
      redisOptions: { ...this.nodeOptions(), ...(blocking ? { enableReadyCheck: false, maxRetriesPerRequest: null } : {}) },
      // A command sent while the cluster fails over waits for the new topology rather than failing.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
    };
    if (blocking) options.enableReadyCheck = false;
    return new Cluster(
      this.settings.redisClusterNodes.map(({ host, port }) => ({ host, port })),
      options,
    );
  }

  /** What every node is reached with: REDIS_URL's credentials, and TLS when it is `rediss:`. */
  private nodeOptions(): RedisOptions {
    const url = new URL(this.settings.redisUrl);
    const options: RedisOptions = {};
    if (url.username) options.username = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    if (url.protocol === 'rediss:') options.tls = {};
    return options;
  }
}
