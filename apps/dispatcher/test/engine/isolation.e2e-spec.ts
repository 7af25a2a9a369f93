import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus } from '@switchyard/db';
import { TEST_ADMIN_KEY } from '../support/test-app.js';
import { Receiver } from '../support/receiver.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, insertMessages, publish, publishMessages, startEngine, type Engine } from './support.js';

// Isolation (ARCHITECTURE.md invariant 5): no endpoint's backlog, slowness or hang moves another
// endpoint's latency. Bounds here are generous (a shared 2-core box); `pnpm bench` holds the targets.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes one message to the app every `everyMs`, `count` times, and answers each one's publish → arrival latency. */
async function trickle(engine: Engine, receiver: Receiver, path: string, appId: string, count: number, everyMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const sentAt = Date.now();
    const [msgId] = await publishMessages(engine, appId, 1);
    const arrived = await eventually(
      () => {
        const r = receiver.requestsTo(path).find((q) => q.headers['webhook-id'] === msgId);
        expect(r).toBeDefined();
        return r!;
      },
      { timeoutMs: 10_000, intervalMs: 5 },
    );
    latencies.push(arrived.receivedAt - sentAt);
    await sleep(Math.max(0, everyMs - (Date.now() - sentAt)));
  }
  return latencies;
}

async function stats(engine: Engine, appId: string, endpointId: string): Promise<Record<string, unknown>> {
  const res = await engine.t.app.inject({ method: 'GET', url: `/api/v1/app/${appId}/endpoint/${endpointId}/stats`, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('isolation: a noisy neighbour does not hold up a quiet one', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    // A's endpoint takes 200 ms and at most 10 in flight: 50/s, so 400 messages are an 8-second backlog.
    engine = await startEngine('engine-noisy', { ENDPOINT_MAX_IN_FLIGHT: '10' });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    expect(failures).toEqual([]);
  });

  it("B's messages go out at once while A's backlog drains at A's own pace", async () => {
    const appA = await createApp(engine.ds);
    const appB = await createApp(engine.ds);
    receiver.route('/slow', () => ({ delayMs: 200, then: { status: 200 } }));
    const a = await createEndpoint(engine, appA, { url: receiver.url('/slow') });
    await createEndpoint(engine, appB, { url: receiver.url('/quick') });
    const backlog = 400;
    // the whole backlog at once (one statement), so A's pace, not the time to publish, sets how far it gets
    await publish(
      engine,
      appA,
      Array.from({ length: backlog }, () => ({})),
    );
    await eventually(() => expect(receiver.requestsTo('/slow').length).toBeGreaterThan(10));

    const latencies = await trickle(engine, receiver, '/quick', appB, 10, 100);
    // A is still far from done: B did not wait behind it (in one FIFO queue B would have waited ~8 s).
    expect(receiver.requestsTo('/slow').length).toBeLessThan(backlog - 100);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(latencies.sort((x, y) => x - y)[4]!).toBeLessThan(300);

    // and A keeps its own limit the whole time: never more than 10 at once
    const [state] = await engine.scheduler.inspect([a.id]);
    expect(state!.inFlight).toBeLessThanOrEqual(10);
    await eventually(() => expect(new Set(receiver.requestsTo('/slow').map((r) => r.headers['webhook-id'])).size).toBe(backlog), { timeoutMs: 30_000 });
  }, 60_000);
});

describe('isolation: fan-out takes turns between applications', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    // One message at a time per fan-out turn, one turn at a time: the fairness is in the order.
    engine = await startEngine('engine-fan-out', { FAN_OUT_INLINE_MAX: '2', FAN_OUT_BATCH: '5', FAN_OUT_CONCURRENCY: '1' });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    expect(failures).toEqual([]);
  });

  it("a flood of many-endpoint messages from one application does not hold up another's", async () => {
    const appA = await createApp(engine.ds);
    const appB = await createApp(engine.ds);
    for (let i = 0; i < 3; i++) await createEndpoint(engine, appA, { url: receiver.url(`/a-${i}`) });
    for (let i = 0; i < 3; i++) await createEndpoint(engine, appB, { url: receiver.url(`/b-${i}`) });
    // A's flood, stored at once (as many concurrent publishes would), then its fan-out turn woken.
    const flood = await insertMessages(
      engine.ds,
      appA,
      Array.from({ length: 1_000 }, () => ({})),
    );
    await engine.work.wakeApps([appA]);
    await eventually(() => expect(receiver.requestsTo('/a-0').length).toBeGreaterThan(0));
    const started = Date.now();
    const [quiet] = await publishMessages(engine, appB, 1);
    await eventually(
      () => {
        for (let i = 0; i < 3; i++) expect(receiver.requestsTo(`/b-${i}`).map((r) => r.headers['webhook-id'])).toEqual([quiet]);
      },
      { timeoutMs: 5_000, intervalMs: 5 },
    );
    const latency = Date.now() - started;
    const [{ unfanned }] = await engine.ds.query(`SELECT count(*)::int AS unfanned FROM messages WHERE app_id = $1 AND fanned_out_at IS NULL`, [appA]);
    // B went out while most of A's flood was still waiting to be fanned out: a turn of A took five, then B's turn came.
    expect(unfanned).toBeGreaterThan(500);
    expect(latency).toBeLessThan(2_000);
    await eventually(
      async () => {
        const [{ left }] = await engine.ds.query(`SELECT count(*)::int AS left FROM messages WHERE app_id = $1 AND fanned_out_at IS NULL`, [appA]);
        expect(left).toBe(0);
      },
      { timeoutMs: 60_000 },
    );
    expect(flood).toHaveLength(1_000);
  }, 90_000);
});

describe('isolation: hanging endpoints are contained and their deliveries still run their schedule', () => {
  let engine: Engine;
  let receiver: Receiver;
  let hanging: Receiver;

  beforeAll(async () => {
    engine = await startEngine('engine-hanging', {
      DELIVERY_TIMEOUT_MS: '1000',
      DELIVERY_LEASE_MS: '3000',
      RETRY_SCHEDULE: '300ms,300ms,300ms',
      ENDPOINT_INITIAL_IN_FLIGHT: '4',
      ENDPOINT_CIRCUIT_FAILURES: '4',
      ENDPOINT_CIRCUIT_OPEN_MS: '60000',
    });
    receiver = await Receiver.start();
    hanging = await Receiver.start({ script: () => ({ hang: true }) });
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    await hanging?.close();
    expect(failures).toEqual([]);
  });

  it('the healthy endpoint is not slowed; the hanging ones hold few sockets, open their circuits, and every delivery is recorded to its end', async () => {
    const deadApp = await createApp(engine.ds);
    const dead = [];
    for (let i = 0; i < 3; i++) dead.push(await createEndpoint(engine, deadApp, { url: hanging.url(`/dead-${i}`) }));
    const liveApp = await createApp(engine.ds);
    await createEndpoint(engine, liveApp, { url: receiver.url('/alive') });
    const deadMessages = await publishMessages(engine, deadApp, 30);
    await eventually(() => expect(hanging.requests.length).toBeGreaterThanOrEqual(3));

    const latencies = await trickle(engine, receiver, '/alive', liveApp, 10, 100);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(latencies.sort((x, y) => x - y)[4]!).toBeLessThan(300);

    // Each hanging endpoint's sends are bounded by its own adaptive limit (4 here), never by the backlog.
    expect(hanging.peakSockets).toBeLessThanOrEqual(3 * 4 + 3);

    // Every delivery to a hanging endpoint runs its schedule (4 attempts, 300 ms apart) and ends `fail`:
    // the first ones time out, the rest are recorded as not sent once the circuit is open.
    for (const ep of dead) {
      for (const msgId of deadMessages) {
        const d = await eventually(
          async () => {
            const row = await deliveryOf(engine.ds, msgId, ep.id);
            expect(row?.status).toBe(DeliveryStatus.Fail);
            return row!;
          },
          { timeoutMs: 20_000 },
        );
        const attempts = await attemptsOf(engine.ds, { deliveryId: d.id });
        expect(attempts).toHaveLength(4);
        for (const attempt of attempts) {
          expect(attempt.responseStatusCode).toBe(0);
          expect(['timeout', 'circuit_open']).toContain(attempt.error);
          expect(attempt.errorDetail).toBeTruthy();
        }
      }
    }
    const timedOut = await engine.ds.query(`SELECT count(*)::int AS n FROM attempts WHERE app_id = $1 AND error = 'timeout'`, [deadApp]);
    const notSent = await engine.ds.query(`SELECT count(*)::int AS n FROM attempts WHERE app_id = $1 AND error = 'circuit_open'`, [deadApp]);
    expect(timedOut[0].n).toBeLessThanOrEqual(3 * 8);
    expect(notSent[0].n).toBeGreaterThan(0);

    // The circuit shows in the endpoint's stats.
    expect(await stats(engine, deadApp, dead[0]!.id)).toMatchObject({ fail: 30, circuit: { state: 'open', consecutiveFailures: expect.any(Number) } });
  }, 60_000);
});

describe('isolation: a circuit closes again when its endpoint recovers', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    engine = await startEngine('engine-circuit', {
      DELIVERY_TIMEOUT_MS: '500',
      DELIVERY_LEASE_MS: '2000',
      RETRY_SCHEDULE: '300ms,300ms,300ms,300ms,300ms,300ms',
      ENDPOINT_INITIAL_IN_FLIGHT: '2',
      ENDPOINT_MAX_IN_FLIGHT: '20',
      ENDPOINT_CIRCUIT_FAILURES: '2',
      ENDPOINT_CIRCUIT_OPEN_MS: '700',
    });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    expect(failures).toEqual([]);
  });

  it('opens on timeouts, probes after the open time, closes on a success, and grows its concurrency back', async () => {
    let healthy = false;
    let open = 0;
    let maxOpen = 0;
    receiver.route('/flaps', () => {
      if (!healthy) return { hang: true };
      open++;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => open--, 50);
      return { delayMs: 50, then: { status: 200 } };
    });
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/flaps') });
    await publishMessages(engine, appId, 2);
    await eventually(async () => expect((await stats(engine, appId, ep.id)).circuit).toMatchObject({ state: 'open' }), { timeoutMs: 5_000 });
    const metrics = await (await fetch(`${engine.t.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`switchyard_endpoint_circuit_state\\{endpoint_id="${ep.id}",service="dispatcher"\\} 2`));

    healthy = true;
    await eventually(async () => expect((await stats(engine, appId, ep.id)).circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 }), { timeoutMs: 5_000 });
    const messages = await publishMessages(engine, appId, 80);
    await eventually(
      async () => {
        for (const id of messages) expect((await deliveryOf(engine.ds, id, ep.id))?.status).toBe(DeliveryStatus.Success);
      },
      { timeoutMs: 15_000 },
    );
    // It restarted at 2 in flight and grew while busy (slow start), up to at most the ceiling.
    expect(maxOpen).toBeGreaterThan(2);
    expect(maxOpen).toBeLessThanOrEqual(20);
    const circuit = (await stats(engine, appId, ep.id)).circuit as { concurrencyLimit: number };
    expect(circuit.concurrencyLimit).toBeGreaterThan(2);
  }, 60_000);
});
