import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus } from '@switchyard/db';
import type { Job } from 'bull';
import { DeliveryProcessor, type DeliveryJobOutcome } from '../../src/engine/delivery/delivery.processor.js';
import type { DeliveryJob } from '../../src/engine/queue/dispatch-queue.js';
import { Receiver, type ReceivedRequest } from '../support/receiver.js';
import { createApp, createEndpoint, eventually, publish, startEngine, type Engine } from './support.js';

/** Most requests in any window of `windowMs`. */
function maxInWindow(requests: readonly ReceivedRequest[], windowMs: number): number {
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
      DELIVERY_CONCURRENCY: '6',
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

  it("enforces an endpoint's rateLimit (messages per second); limited deliveries wait, they do not fail", async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/rated'), rateLimit: 5 });
    await publish(engine, appId, Array.from({ length: 20 }, () => ({})));
    await eventually(() => expect(receiver.requestsTo('/rated')).toHaveLength(20), { timeoutMs: 15_000 });
    const requests = receiver.requestsTo('/rated');
    const spanMs = requests.at(-1)!.receivedAt - requests[0]!.receivedAt;
    // 20 at 5 per wall-clock second take at least 4 windows: more than 2 s from first to last.
    expect(spanMs).toBeGreaterThan(2_000);
    // Fixed one-second windows allow at most 2 × 5 in a sliding second (end of one, start of the next).
    expect(maxInWindow(requests, 1_000)).toBeLessThanOrEqual(10);
    // The receiver sees a request before its attempt is recorded: wait for the last records.
    await eventually(async () => {
      const [{ failed, attempts }] = await engine.ds.query(
        `SELECT count(*) FILTER (WHERE status <> $2)::int AS failed, sum(attempts)::int AS attempts FROM deliveries WHERE endpoint_id = $1`,
        [ep.id, DeliveryStatus.Success],
      );
      expect(failed).toBe(0);
      // Deferred, not failed: one attempt each.
      expect(attempts).toBe(20);
    });
  });

  it("falls back to the application's rateLimit", async () => {
    const appId = await createApp(engine.ds, { rateLimit: 4 });
    await createEndpoint(engine, appId, { url: receiver.url('/app-rated') });
    await publish(engine, appId, Array.from({ length: 12 }, () => ({})));
    await eventually(() => expect(receiver.requestsTo('/app-rated')).toHaveLength(12), { timeoutMs: 15_000 });
    const requests = receiver.requestsTo('/app-rated');
    expect(requests.at(-1)!.receivedAt - requests[0]!.receivedAt).toBeGreaterThan(1_000);
    expect(maxInWindow(requests, 1_000)).toBeLessThanOrEqual(8);
  });

  it('a hanging endpoint holds at most ENDPOINT_MAX_IN_FLIGHT slots; other endpoints are not held back', async () => {
    const appA = await createApp(engine.ds);
    const appB = await createApp(engine.ds);
    receiver.route('/hangs', () => ({ hang: true }));
    await createEndpoint(engine, appA, { url: receiver.url('/hangs') });
    await createEndpoint(engine, appB, { url: receiver.url('/fine') });
    // The dead endpoint's backlog is queued first, and is larger than DELIVERY_CONCURRENCY.
    await publish(engine, appA, Array.from({ length: 12 }, () => ({})));
    await eventually(() => expect(receiver.requestsTo('/hangs').length).toBeGreaterThanOrEqual(2));
    const started = Date.now();
    await publish(engine, appB, Array.from({ length: 12 }, () => ({})));
    await eventually(() => expect(receiver.requestsTo('/fine')).toHaveLength(12), { timeoutMs: 2_500 });
    // All twelve well within one DELIVERY_TIMEOUT_MS (3 s) of a hanging neighbour.
    expect(Date.now() - started).toBeLessThan(2_500);
    // Meanwhile the hanging endpoint never had more than two attempts open.
    expect(receiver.requestsTo('/hangs').length).toBeLessThanOrEqual(2);
  });

  it('a burst to one endpoint keeps ENDPOINT_MAX_IN_FLIGHT open; the jobs turned away wait in the process, not put off in the queue', async () => {
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
    // Count what each delivery job to this endpoint came to (earlier tests' jobs may still run).
    const processor = engine.t.app.get(DeliveryProcessor);
    const outcomes: DeliveryJobOutcome[] = [];
    const original = processor.process.bind(processor);
    processor.process = async (job: Job<DeliveryJob>) => {
      const outcome = await original(job);
      if (job.data.endpointId === burst.id) outcomes.push(outcome);
      return outcome;
    };
    try {
      const ids = await publish(engine, app, Array.from({ length: 40 }, () => ({})));
      await eventually(() => expect(new Set(receiver.requestsTo('/burst').map((r) => r.headers['webhook-id'])).size).toBe(ids.length), { timeoutMs: 15_000 });
      // Each job finishes once its attempt is recorded, just after the receiver answered.
      await eventually(() => expect(outcomes.filter((o) => o === 'sent')).toHaveLength(40));
    } finally {
      processor.process = original;
    }
    expect(maxOpen).toBeLessThanOrEqual(2);
    // Only the jobs turned away before the endpoint freed its first slot here are put off (about
    // a dozen; without waiting, nearly every one of the 38 beyond the first two is, some twice).
    // The rest waited in the process and were handed a slot.
    expect(outcomes.filter((o) => o === 'deferred').length).toBeLessThan(20);
    expect(processor.slotWaiters.size).toBe(0);
  });
});
