import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus } from '@switchyard/db';
import type { TurnJobData } from '@switchyard/events';
import type { Job } from 'bull';
import { TurnProcessor } from '../../src/engine/turns/turn.processor.js';
import { Receiver, type ReceivedRequest } from '../support/receiver.js';
import { createApp, createEndpoint, eventually, publish, startEngine, type Engine } from './support.js';

/** Most requests that arrived in any window of `windowMs` (a sliding window over arrival times). */
export function maxInWindow(requests: readonly ReceivedRequest[], windowMs: number): number {
  const times = requests.map((r) => r.receivedAt).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('delivery engine: per-endpoint limits', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    engine = await startEngine('engine-limits', {
      ENDPOINT_MAX_IN_FLIGHT: '2',
      DELIVERY_TIMEOUT_MS: '3000',
      DELIVERY_LEASE_MS: '5000',
    });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    expect(failures).toEqual([]);
  });

  it("holds an endpoint's rateLimit in every sliding second (paced, not per wall-clock second); limited deliveries wait, they do not fail", async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/rated'), rateLimit: 5 });
    await publish(
      engine,
      appId,
      Array.from({ length: 20 }, () => ({})),
    );
    await eventually(() => expect(receiver.requestsTo('/rated')).toHaveLength(20), { timeoutMs: 15_000 });
    const requests = receiver.requestsTo('/rated');
    // Paced at 5/s: 20 starts span 19 intervals of ~210 ms.
    expect(requests.at(-1)!.receivedAt - requests[0]!.receivedAt).toBeGreaterThan(3_800);
    expect(maxInWindow(requests, 1_000)).toBeLessThanOrEqual(5);
    // and smooth (paced starts, not bursts at the start of each second): the typical gap is the pacing interval
    const gaps = requests
      .slice(1)
      .map((r, i) => r.receivedAt - requests[i]!.receivedAt)
      .sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThanOrEqual(190);
    // The receiver sees a request before its attempt is recorded: wait for the last records.
    await eventually(async () => {
      const [{ failed, attempts }] = await engine.ds.query(`SELECT count(*) FILTER (WHERE status <> $2)::int AS failed, sum(attempts)::int AS attempts FROM deliveries WHERE endpoint_id = $1`, [
        ep.id,
        DeliveryStatus.Success,
      ]);
      expect(failed).toBe(0);
      // Waited, not failed: one attempt each.
      expect(attempts).toBe(20);
    });
  });

  it("falls back to the application's rateLimit", async () => {
    const appId = await createApp(engine.ds, { rateLimit: 4 });
    await createEndpoint(engine, appId, { url: receiver.url('/app-rated') });
    await publish(
      engine,
      appId,
      Array.from({ length: 12 }, () => ({})),
    );
    await eventually(() => expect(receiver.requestsTo('/app-rated')).toHaveLength(12), { timeoutMs: 15_000 });
    const requests = receiver.requestsTo('/app-rated');
    expect(requests.at(-1)!.receivedAt - requests[0]!.receivedAt).toBeGreaterThan(2_500);
    expect(maxInWindow(requests, 1_000)).toBeLessThanOrEqual(4);
  });

  it('a hanging endpoint holds at most ENDPOINT_MAX_IN_FLIGHT sockets; other endpoints are not held back', async () => {
    const appA = await createApp(engine.ds);
    const appB = await createApp(engine.ds);
    receiver.route('/hangs', () => ({ hang: true }));
    await createEndpoint(engine, appA, { url: receiver.url('/hangs') });
    await createEndpoint(engine, appB, { url: receiver.url('/fine') });
    // The dead endpoint's backlog comes first.
    await publish(
      engine,
      appA,
      Array.from({ length: 12 }, () => ({})),
    );
    await eventually(() => expect(receiver.requestsTo('/hangs').length).toBeGreaterThanOrEqual(2));
    const started = Date.now();
    await publish(
      engine,
      appB,
      Array.from({ length: 12 }, () => ({})),
    );
    await eventually(() => expect(receiver.requestsTo('/fine')).toHaveLength(12), { timeoutMs: 2_500 });
    // All twelve well within one DELIVERY_TIMEOUT_MS (3 s) of a hanging neighbour.
    expect(Date.now() - started).toBeLessThan(2_500);
    // Meanwhile the hanging endpoint never had more than two attempts open.
    expect(receiver.requestsTo('/hangs').length).toBeLessThanOrEqual(2);
  });

  it('a burst to one endpoint keeps ENDPOINT_MAX_IN_FLIGHT open, in turns that each take a batch (far fewer jobs than deliveries)', async () => {
    const app = await createApp(engine.ds);
    const DELAY_MS = 30;
    let open = 0;
    let maxOpen = 0;
    receiver.route('/burst', () => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => open--, DELAY_MS);
      return { delayMs: DELAY_MS, then: { status: 200 } };
    });
    const burst = await createEndpoint(engine, app, { url: receiver.url('/burst') });
    // Count the turns of this endpoint (earlier tests' turns may still run).
    const processor = engine.t.app.get(TurnProcessor);
    const outcomes: string[] = [];
    const original = processor.process.bind(processor);
    processor.process = async (job: Job<TurnJobData>) => {
      const outcome = await original(job);
      if (job.data.endpointId === burst.id) outcomes.push(outcome);
      return outcome;
    };
    try {
      const ids = await publish(
        engine,
        app,
        Array.from({ length: 40 }, () => ({})),
      );
      await eventually(() => expect(new Set(receiver.requestsTo('/burst').map((r) => r.headers['webhook-id'])).size).toBe(ids.length), { timeoutMs: 15_000 });
    } finally {
      processor.process = original;
    }
    expect(maxOpen).toBeLessThanOrEqual(2);
    // A turn claims ahead what the endpoint's two slots will free soon, and each finished attempt hands
    // its slot straight to the next: far fewer turns than deliveries, and none that find nothing to do.
    expect(outcomes.filter((o) => o === 'sent').length).toBeGreaterThan(0);
    expect(outcomes.length).toBeLessThan(20);
  });
});
