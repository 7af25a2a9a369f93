import { describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { RedisConnector } from '../src/index.js';

// Nothing listens on port 1: the clients below are only looked at, then disconnected.
const SEEDS = [{ host: '127.0.0.1', port: 1 }];

describe('RedisConnector', () => {
  it('on one Redis gives Bull the URL and the hash-tagged prefix, and lets Bull make its own clients', () => {
    const options = new RedisConnector({ redisUrl: 'redis://127.0.0.1:6379/3', redisClusterNodes: [] }).bullOptions('switchyard');
    expect(options).toEqual({ redis: 'redis://127.0.0.1:6379/3', prefix: '{switchyard}' });
  });

  it("on a cluster gives Bull Cluster clients: blocking ones without the ready check or a retry limit (Bull's rule), each node with REDIS_URL's credentials and TLS", async () => {
    const connector = new RedisConnector({ redisUrl: 'rediss://sy:p%40ss@ignored.example:6380', redisClusterNodes: SEEDS });
    const options = connector.bullOptions('switchyard');
    expect(options.prefix).toBe('{switchyard}');
    expect(options.redis).toBeUndefined();
    const made = (['client', 'subscriber', 'bclient'] as const).map((type) => [type, options.createClient!(type, {})] as const);
    const scheduler = connector.schedulerClient();
    try {
      for (const [type, client] of made) {
        expect(client).toBeInstanceOf(Cluster);
        const { redisOptions } = (client as Cluster).options;
        expect(redisOptions).toMatchObject({ username: 'sy', password: 'p@ss', tls: {} });
        if (type === 'client') expect(redisOptions?.maxRetriesPerRequest).not.toBeNull();
        else expect(redisOptions).toMatchObject({ enableReadyCheck: false, maxRetriesPerRequest: null });
      }
      expect(scheduler).toBeInstanceOf(Cluster);
      expect((scheduler as Cluster).options.enableAutoPipelining).toBe(true);
    } finally {
      (scheduler as Cluster).disconnect();
      await connector.close();
    }
  });

  it('gives the scheduler an auto-pipelined client of REDIS_URL on one Redis', () => {
    const client = new RedisConnector({ redisUrl: 'redis://127.0.0.1:1', redisClusterNodes: [] }).schedulerClient();
    try {
      expect(client).toBeInstanceOf(Redis);
      expect((client as Redis).options.enableAutoPipelining).toBe(true);
    } finally {
      client.disconnect();
    }
  });
});
