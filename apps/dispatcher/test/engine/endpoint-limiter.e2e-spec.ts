import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testQueuePrefix } from '@switchyard/db/testing';
import Bull from 'bull';
import { EndpointLimiter } from '../../src/engine/delivery/endpoint-limiter.js';

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

  describe('hand-over (a slot passed to a job waiting in the process)', () => {
    const EP = 'ep_handover';
    const take = (deliveryId: string, now = Date.now()) =>
      limiter.takeSlot({ endpointId: EP, deliveryId, leaseEndMs: now + 60_000, maxInFlight: 2, deferrals: 0 }, now);
    const members = () => queue.client.zrange(`${prefix}:limits:{${EP}}:inflight`, 0, -1);
    const handOver = (from: string, to: string) => limiter.handOver(EP, from, to, Date.now() + 60_000, 2);

    it('swaps the holder: the endpoint stays full and no other job can take the slot in between', async () => {
      expect(await take('h1')).toEqual({ granted: true });
      expect(await take('h2')).toEqual({ granted: true });
      expect(await handOver('h1', 'h3')).toEqual({ handedOver: true, waiter: null });
      expect((await members()).sort()).toEqual(['h2', 'h3']);
      expect(await take('h4')).toMatchObject({ granted: false });
    });

    it('hands nothing to a delivery that already holds a slot (another job of it is sending), and frees the giver', async () => {
      expect(await handOver('h2', 'h3')).toEqual({ handedOver: false, waiter: null });
      expect(await members()).toEqual(['h3']);
      expect(await take('h4')).toEqual({ granted: true });
    });

    it('a giver whose slot is already gone hands over only if the endpoint has room', async () => {
      // h9 holds nothing (its lease ran out); h3 and h4 fill the endpoint.
      expect(await handOver('h9', 'h5')).toEqual({ handedOver: false, waiter: null });
      expect((await members()).sort()).toEqual(['h3', 'h4']);
      await limiter.release(EP, 'h4');
      expect(await handOver('h9', 'h5')).toEqual({ handedOver: true, waiter: null });
      expect((await members()).sort()).toEqual(['h3', 'h5']);
    });

    it('also hands back the oldest job put off in Bull, to wake', async () => {
      expect(await limiter.wait(EP, 'job-a', 2)).toBeNull();
      expect(await limiter.wait(EP, 'job-b', 2)).toBeNull();
      expect(await handOver('h3', 'h6')).toEqual({ handedOver: true, waiter: 'job-a' });
      expect(await handOver('h5', 'h7')).toEqual({ handedOver: true, waiter: 'job-b' });
      expect(await handOver('h6', 'h8')).toEqual({ handedOver: true, waiter: null });
      expect((await members()).sort()).toEqual(['h7', 'h8']);
    });
  });
});
