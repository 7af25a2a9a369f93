import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testQueuePrefix } from '@switchyard/db/testing';
import Bull from 'bull';
import { EndpointLimiter } from '../../src/delivery/endpoint-limiter.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('EndpointLimiter (real Redis)', () => {
  const prefix = testQueuePrefix('limiter');
  let queue: Bull.Queue;
  let limiter: EndpointLimiter;
  beforeAll(() => {
    queue = new Bull('limiter-test', REDIS_URL, { prefix });
    limiter = new EndpointLimiter(queue.client, prefix, () => 0);
  });
  afterAll(async () => {
    const keys = await queue.client.keys(`${prefix}:*`);
    if (keys.length) await queue.client.del(...keys);
    await queue.close();
  });

  const slot = (deliveryId: string, now = Date.now()) =>
    limiter.takeSlot({ endpointId: 'ep_1', deliveryId, leaseEndMs: now + 60_000, maxInFlight: 2, deferrals: 0 }, now);

  it('grants up to the limit, then refuses with a backoff', async () => {
    expect(await slot('d1')).toEqual({ granted: true });
    expect(await slot('d2')).toEqual({ granted: true });
    expect(await slot('d3')).toMatchObject({ granted: false, retryInMs: expect.any(Number) });
  });

  it('a duplicate job of a delivery in flight sees the slot as held and does not take another', async () => {
    expect(await slot('d1')).toEqual({ granted: true, held: true });
    // Still full: the duplicate took nothing, and the holder's slot is intact.
    expect(await slot('d3')).toMatchObject({ granted: false });
  });

  it('a release frees exactly one slot', async () => {
    await limiter.release('ep_1', 'd2');
    expect(await slot('d3')).toEqual({ granted: true });
    expect(await slot('d4')).toMatchObject({ granted: false });
  });

  it("a dead sender's slot frees itself when its lease ends", async () => {
    const later = Date.now() + 120_000;
    expect(await slot('d5', later)).toEqual({ granted: true });
  });
});
