import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus } from '@switchyard/db';
import { bullKeyPrefix, QueueName } from '@switchyard/events';
import { Cluster } from 'ioredis';
import { OK, Receiver, type Script } from '../support/receiver.js';
import { onThrowawayRedisCluster } from '../support/redis-cluster.js';
import { createApp, createEndpoint, eventually, publishMessages, startEngine, verifyWith, type Engine, type TestEndpoint } from './support.js';

// The engine on a Redis Cluster (README "Redis Cluster"): three masters with a replica each, on
// loopback ports of this file's own. The publish → deliver and reconciler scenarios run as they
// do on one Redis (their suite, imported); then masters fail over in the middle of a run.
// Retries on a cluster: cluster-retries.e2e-spec.ts (a file of its own, to keep each short).
const cluster = await onThrowawayRedisCluster();
await import('./delivery.e2e-spec.js');

describe('on a Redis Cluster: masters fail over in the middle of a run, and nothing is lost', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    // Three endpoints make the fan-out path (a fan-out job per application), two the inline one.
    engine = await startEngine('cluster-failover', { FAN_OUT_INLINE_MAX: '2' });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await engine?.close();
    await receiver?.close();
  });

  it('uses Cluster clients, with every Bull key of a queue in one slot', async () => {
    expect(engine.work.turns.client).toBeInstanceOf(Cluster);
    const prefix = bullKeyPrefix(engine.t.settings.queuePrefix);
    expect(prefix).toBe(`{${engine.t.settings.queuePrefix}}`);
    const slots = new Set(await Promise.all(['wait', 'active', 'delayed', 'id', 'meta'].map((k) => cluster.keySlot(`${prefix}:${QueueName.Turns}:${k}`))));
    expect(slots.size).toBe(1);
    // An endpoint's state and in-flight keys share a slot of their own (one tag per endpoint).
    expect(await cluster.keySlot(engine.scheduler.stateKey('ep_a'))).toBe(await cluster.keySlot(engine.scheduler.inflightKey('ep_a')));
  });

  it('delivers every message at least once through two failovers, with retries and both publish paths', async () => {
    /** The first attempt of every message to this path fails (a retry after a failover must still come). */
    const seen = new Set<string>();
    const failFirst: Script = (request) => {
      const id = String(request.headers['webhook-id']);
      if (seen.has(id)) return OK;
      seen.add(id);
      return { status: 500, body: 'boom' };
    };
    const fanOutApp = await createApp(engine.ds);
    const inlineApp = await createApp(engine.ds);
    const paths: { path: string; appId: string; script: Script }[] = [
      { path: '/fo-1', appId: fanOutApp, script: () => OK },
      { path: '/fo-2', appId: fanOutApp, script: failFirst },
      { path: '/fo-3', appId: fanOutApp, script: () => ({ delayMs: 20, then: OK }) },
      { path: '/in-1', appId: inlineApp, script: () => OK },
      { path: '/in-2', appId: inlineApp, script: failFirst },
    ];
    const endpoints = new Map<string, TestEndpoint>();
    for (const { path, appId, script } of paths) {
      receiver.route(path, script);
      endpoints.set(path, await createEndpoint(engine, appId, { url: receiver.url(path) }));
    }
    const published = new Map<string, string[]>([
      [fanOutApp, []],
      [inlineApp, []],
    ]);
    const publishWave = async (n: number) => {
      published.get(fanOutApp)!.push(...(await publishMessages(engine, fanOutApp, n)));
      published.get(inlineApp)!.push(...(await publishMessages(engine, inlineApp, n)));
    };
    /** Unique webhook-ids a path answered 2xx to. */
    const delivered = (path: string) =>
      new Set(
        receiver
          .requestsTo(path)
          .filter((r) => r.answered === 200)
          .map((r) => String(r.headers['webhook-id'])),
      );

    await publishWave(20);
    await eventually(() => expect(delivered('/fo-1').size + delivered('/in-1').size).toBeGreaterThanOrEqual(10), { timeoutMs: 15_000 });

    // The master of Bull's slot (both queues), while publishing goes on; then the master of the
    // retrying endpoint's scheduler state (the same one again, or another: a failover either way).
    const queueKey = `${bullKeyPrefix(engine.t.settings.queuePrefix)}:${QueueName.Turns}:wait`;
    const [first] = await Promise.all([cluster.failover(queueKey), publishWave(20)]);
    expect(first).toBeGreaterThan(0);
    await Promise.all([cluster.failover(engine.scheduler.stateKey(endpoints.get('/in-2')!.id)), publishWave(10)]);
    await publishWave(10);

    for (const { path, appId } of paths) {
      const want = published.get(appId)!;
      expect(want).toHaveLength(60);
      await eventually(() => expect([...delivered(path)].sort()).toEqual([...want].sort()), { timeoutMs: 45_000, intervalMs: 200 });
    }
    // Every delivery ended in success, and what arrived is signed as the endpoint's secret says.
    await eventually(async () => {
      const rows: { status: string; n: number }[] = await engine.ds.query(`SELECT status::int AS status, count(*)::int AS n FROM deliveries GROUP BY status`);
      expect(rows).toEqual([{ status: DeliveryStatus.Success, n: 60 * paths.length }]);
    });
    const sample = receiver.requestsTo('/in-2').find((r) => r.answered === 200)!;
    expect(() => verifyWith(endpoints.get('/in-2')!.secret, sample)).not.toThrow();
  }, 90_000);
});
