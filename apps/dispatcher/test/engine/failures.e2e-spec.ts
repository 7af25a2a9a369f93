import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DeliveryStatus, TriggerType } from '@switchyard/db';
import { EndpointDisabledEventSerializer } from 'svix/dist/models/endpointDisabledEvent.js';
import { MessageAttemptExhaustedEventSerializer } from 'svix/dist/models/messageAttemptExhaustedEvent.js';
import { MessageAttemptFailingEventSerializer } from 'svix/dist/models/messageAttemptFailingEvent.js';
import { MessageAttemptRecoveredEventSerializer } from 'svix/dist/models/messageAttemptRecoveredEvent.js';
import { failTimes, OK, Receiver, type ReceivedRequest, type Script } from '../support/receiver.js';
import {
  attemptsOf,
  createApp,
  createEndpoint,
  createOperationalEndpoint,
  deliveryOf,
  endpointOf,
  eventually,
  publish,
  responseText,
  startEngine,
  verifyWith,
  type Engine,
  type TestEndpoint,
} from './support.js';
import { consistently } from '@switchyard/testkit';

type Serializer = { _fromJsonObject(o: unknown): unknown; _toJsonObject(o: unknown): unknown };

/** Parses an operational webhook with the svix SDK's own model and checks nothing was lost or invented. */
function svixModel(serializer: Serializer, request: ReceivedRequest): Record<string, unknown> {
  const json = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
  const roundTrip = JSON.parse(JSON.stringify(serializer._toJsonObject(serializer._fromJsonObject(json))));
  expect(roundTrip).toEqual(json);
  return json;
}

describe('delivery engine: failures, retries and what is recorded', () => {
  // RETRY_SCHEDULE 300ms,300ms,300ms: four attempts; message.attempt.failing after the 3rd failure.
  let engine: Engine;
  let receiver: Receiver;
  let ops: Receiver;
  let opsEndpoint: TestEndpoint;
  let appId: string;

  beforeAll(async () => {
    engine = await startEngine('engine-failures');
    receiver = await Receiver.start();
    ops = await Receiver.start();
    opsEndpoint = await createOperationalEndpoint(engine, ops.url('/ops'));
  });
  // An application per test, so one test's dead endpoints do not receive the next test's messages.
  let appUid: string;
  let n = 0;
  beforeEach(async () => {
    appUid = `failures-app-${++n}`;
    appId = await createApp(engine.ds, { uid: appUid });
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    await ops?.close();
    expect(failures).toEqual([]);
  });

  /** A path of the receiver answering with `script`, and an endpoint for it. */
  async function endpointWith(path: string, script: Script, extra: { uid?: string } = {}): Promise<TestEndpoint> {
    receiver.route(path, script);
    return createEndpoint(engine, appId, { url: receiver.url(path), ...extra });
  }

  async function finalDelivery(msgId: string, endpointId: string, status: DeliveryStatus, timeoutMs = 10_000) {
    return eventually(
      async () => {
        const d = await deliveryOf(engine.ds, msgId, endpointId);
        expect(d?.status).toBe(status);
        return d!;
      },
      { timeoutMs },
    );
  }

  const opsOfType = (type: string) => ops.requests.filter((r) => JSON.parse(r.body.toString('utf8')).type === type);

  it('retries on the schedule (jitter only lengthens a wait) until a 2xx, recording every attempt', async () => {
    const ep = await endpointWith('/flaky', failTimes(2, { status: 500, body: 'boom' }));
    const [msgId] = await publish(engine, appId, [{}]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Success);
    const attempts = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(attempts.map((a) => [a.attemptNumber, a.status, a.responseStatusCode, responseText(a), a.triggerType])).toEqual([
      [1, DeliveryStatus.Fail, 500, 'boom', TriggerType.Scheduled],
      [2, DeliveryStatus.Fail, 500, 'boom', TriggerType.Scheduled],
      [3, DeliveryStatus.Success, 200, 'ok', TriggerType.Scheduled],
    ]);
    const requests = receiver.requestsTo('/flaky');
    expect(requests).toHaveLength(3);
    // The same webhook-id on every attempt; each attempt signed afresh and verifiable.
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([msgId]));
    for (const r of requests) expect(() => verifyWith(ep.secret, r)).not.toThrow();
    for (let i = 1; i < requests.length; i++) {
      const gap = requests[i]!.receivedAt - requests[i - 1]!.receivedAt;
      expect(gap).toBeGreaterThanOrEqual(300);
      expect(gap).toBeLessThan(1_500);
    }
    expect(d.attempts).toBe(3);
    expect((await endpointOf(engine.ds, ep.id)).firstFailureAt).toBeNull();
  });

  it('records a timeout when the endpoint hangs past DELIVERY_TIMEOUT_MS', async () => {
    const ep = await endpointWith('/hang', failTimes(1, { hang: true }));
    const [msgId] = await publish(engine, appId, [{}]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Success);
    const [first, second] = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(first).toMatchObject({ status: DeliveryStatus.Fail, responseStatusCode: 0, error: 'timeout', responseBody: null });
    expect(first!.errorDetail).toMatch(/^no response from 127\.0\.0\.1:\d+ within 1000 ms \(DELIVERY_TIMEOUT_MS\)$/);
    expect(first!.responseDurationMs).toBeGreaterThanOrEqual(950);
    expect(first!.responseDurationMs).toBeLessThan(2_000);
    expect(second).toMatchObject({ status: DeliveryStatus.Success, responseStatusCode: 200 });
  });

  it('records a reset connection and a refused one', async () => {
    const ep = await endpointWith('/reset', failTimes(1, { reset: true }));
    const closed = await Receiver.start();
    const refusedUrl = closed.url('/nobody');
    await closed.close();
    const refused = await createEndpoint(engine, appId, { url: refusedUrl });
    const [msgId] = await publish(engine, appId, [{}]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Success);
    expect((await attemptsOf(engine.ds, { deliveryId: d.id }))[0]).toMatchObject({ responseStatusCode: 0, error: 'connection_reset' });
    const r = await finalDelivery(msgId!, refused.id, DeliveryStatus.Fail);
    const attempts = await attemptsOf(engine.ds, { deliveryId: r.id });
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((a) => a.error))).toEqual(new Set(['connection_refused']));
  });

  it('waits at least Retry-After on a 429 or 503', async () => {
    const ep429 = await endpointWith('/busy429', failTimes(1, { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }));
    // The date is made when the first request arrives (not at setup, which may be long before on a busy box).
    const ep503 = await endpointWith('/busy503', (_request, index) => (index < 1 ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } } : OK));
    const [msgId] = await publish(engine, appId, [{}]);
    await finalDelivery(msgId!, ep429.id, DeliveryStatus.Success);
    await finalDelivery(msgId!, ep503.id, DeliveryStatus.Success);
    const [a, b] = receiver.requestsTo('/busy429');
    expect(b!.receivedAt - a!.receivedAt).toBeGreaterThanOrEqual(1_000);
    const [c, d] = receiver.requestsTo('/busy503');
    // An HTTP date has one-second resolution: at least ~1 s, and more than the 300 ms schedule.
    expect(d!.receivedAt - c!.receivedAt).toBeGreaterThanOrEqual(1_000);
    const delivery = await deliveryOf(engine.ds, msgId!, ep429.id);
    const [first] = await attemptsOf(engine.ds, { deliveryId: delivery!.id });
    expect(first).toMatchObject({ responseStatusCode: 429, responseHeaders: expect.objectContaining({ 'retry-after': '1' }) });
    expect(responseText(first!)).toBe('slow down');
  });

  it('treats a redirect as a failure and does not follow it', async () => {
    const ep = await endpointWith('/moved', () => ({ status: 302, headers: { location: receiver.url('/target') } }));
    const [msgId] = await publish(engine, appId, [{}]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Fail);
    const attempts = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(attempts.map((a) => [a.responseStatusCode, a.error])).toEqual(Array(4).fill([302, 'redirect']));
    expect(receiver.requestsTo('/target')).toHaveLength(0);
  });

  it('reads only the first 4 KiB of a 10 MB response body', async () => {
    const ep = await endpointWith('/huge', () => ({ streamBytes: 10 * 1024 * 1024 }));
    const before = process.memoryUsage();
    const [msgId] = await publish(engine, appId, [{}, {}, {}]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Success);
    const [attempt] = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(attempt!.responseStatusCode).toBe(200);
    expect(attempt!.responseBody).toHaveLength(4096);
    expect(responseText(attempt!)).toBe('a'.repeat(4096));
    await eventually(() => {
      const huge = receiver.streams.slice(-3);
      expect(huge).toHaveLength(3);
      // The dispatcher hung up: no stream was written out in full.
      for (const s of huge) expect(s).toMatchObject({ finished: false, closed: true });
    });
    const after = process.memoryUsage();
    // Three 10 MB bodies would be 30 MB; what the process holds grows far less.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 * 1024 * 1024);
  });

  it('a 410 disables the endpoint, ends the delivery and sends endpoint.disabled', async () => {
    const ep = await endpointWith('/gone', () => ({ status: 410, body: 'gone' }), { uid: 'gone-endpoint' });
    const [msgId] = await publish(engine, appId, [{}]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Fail);
    expect(d.attempts).toBe(1);
    const endpoint = await endpointOf(engine.ds, ep.id);
    expect(endpoint.disabled).toBe(true);
    expect(endpoint.firstFailureAt).toBeInstanceOf(Date);
    // Later messages are not fanned out to it.
    const [later] = await publish(engine, appId, [{}]);
    await eventually(async () => {
      const [{ fanned }] = await engine.ds.query(`SELECT fanned_out_at IS NOT NULL AS fanned FROM messages WHERE id = $1`, [later]);
      expect(fanned).toBe(true);
    });
    expect(await deliveryOf(engine.ds, later!, ep.id)).toBeNull();
    expect(receiver.requestsTo('/gone')).toHaveLength(1);

    const event = await eventually(() => {
      const found = opsOfType('endpoint.disabled').find((r) => JSON.parse(r.body.toString('utf8')).data.endpointId === ep.id);
      expect(found).toBeDefined();
      return found!;
    });
    expect(() => verifyWith(opsEndpoint.secret, event)).not.toThrow();
    const json = svixModel(EndpointDisabledEventSerializer, event);
    expect(json).toMatchObject({ type: 'endpoint.disabled', data: { appId, appUid, endpointId: ep.id, endpointUid: 'gone-endpoint', trigger: 'automatic' } });
    expect(new Date((json.data as { failSince: string }).failSince).getTime()).toBe(endpoint.firstFailureAt!.getTime());
  });

  it('exhausts the schedule: fail, with message.attempt.failing after the 3rd failure and message.attempt.exhausted after the last', async () => {
    const ep = await endpointWith('/dead', () => ({ status: 500, body: 'down' }));
    const [msgId] = await publish(engine, appId, [{ eventId: 'evt-dead' }]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Fail);
    const attempts = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(attempts).toHaveLength(4);
    expect(d.nextAttemptAt).toBeNull();

    const mine = (r: ReceivedRequest) => JSON.parse(r.body.toString('utf8')).data.msgId === msgId;
    const failing = await eventually(() => {
      const found = opsOfType('message.attempt.failing').filter(mine);
      expect(found).toHaveLength(1);
      return found[0]!;
    });
    const exhausted = await eventually(() => {
      const found = opsOfType('message.attempt.exhausted').filter(mine);
      expect(found).toHaveLength(1);
      return found[0]!;
    });
    for (const r of [failing, exhausted]) expect(() => verifyWith(opsEndpoint.secret, r)).not.toThrow();
    expect(svixModel(MessageAttemptFailingEventSerializer, failing)).toMatchObject({
      type: 'message.attempt.failing',
      data: { appId, appUid, endpointId: ep.id, msgId, msgEventId: 'evt-dead', lastAttempt: { id: attempts[2]!.id, responseStatusCode: 500 } },
    });
    expect(svixModel(MessageAttemptExhaustedEventSerializer, exhausted)).toMatchObject({
      type: 'message.attempt.exhausted',
      data: { endpointId: ep.id, msgId, lastAttempt: { id: attempts[3]!.id, responseStatusCode: 500, timestamp: attempts[3]!.createdAt.toISOString() } },
    });
  });

  it('sends message.attempt.recovered when a delivery that triggered a failure event succeeds', async () => {
    const ep = await endpointWith('/comeback', failTimes(3, { status: 502 }));
    const [msgId] = await publish(engine, appId, [{}]);
    const d = await finalDelivery(msgId!, ep.id, DeliveryStatus.Success);
    const attempts = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(attempts.map((a) => a.responseStatusCode)).toEqual([502, 502, 502, 200]);
    const mine = (r: ReceivedRequest) => JSON.parse(r.body.toString('utf8')).data.msgId === msgId;
    const recovered = await eventually(() => {
      const found = opsOfType('message.attempt.recovered').filter(mine);
      expect(found).toHaveLength(1);
      return found[0]!;
    });
    expect(svixModel(MessageAttemptRecoveredEventSerializer, recovered)).toMatchObject({
      data: { endpointId: ep.id, msgId, lastAttempt: { id: attempts[3]!.id, responseStatusCode: 200 } },
    });
    expect(opsOfType('message.attempt.exhausted').filter(mine)).toHaveLength(0);
  });
});

describe('delivery engine: ENDPOINT_DISABLE_AFTER', () => {
  let engine: Engine;
  let receiver: Receiver;
  let ops: Receiver;

  beforeAll(async () => {
    engine = await startEngine('engine-disable', { ENDPOINT_DISABLE_AFTER: '2s', RETRY_SCHEDULE: '400ms,400ms,400ms,400ms,400ms,400ms,400ms,400ms' });
    receiver = await Receiver.start({ script: () => ({ status: 500 }) });
    ops = await Receiver.start();
    await createOperationalEndpoint(engine, ops.url('/ops'));
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    await ops?.close();
    expect(failures).toEqual([]);
  });

  it('disables an endpoint whose attempts have all failed for that long, and says so', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/always-500') });
    const started = Date.now();
    const [msgId] = await publish(engine, appId, [{}]);
    await eventually(async () => expect((await endpointOf(engine.ds, ep.id)).disabled).toBe(true), { timeoutMs: 8_000 });
    const endpoint = await endpointOf(engine.ds, ep.id);
    const attempts = await attemptsOf(engine.ds, { messageId: msgId!, endpointId: ep.id });
    const last = attempts.at(-1)!;
    expect(last.createdAt.getTime() - endpoint.firstFailureAt!.getTime()).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    // The delivery stops at the disabled endpoint: no attempts after it.
    await finalDeliveryFail(engine, msgId!, ep.id);
    const count = receiver.requests.length;
    await consistently(() => expect(receiver.requests).toHaveLength(count), { forMs: 900 });

    const event = await eventually(() => {
      const found = ops.requests.find((r) => JSON.parse(r.body.toString('utf8')).type === 'endpoint.disabled');
      expect(found).toBeDefined();
      return found!;
    });
    const json = svixModel(EndpointDisabledEventSerializer, event);
    expect(json).toMatchObject({ data: { endpointId: ep.id, appId, trigger: 'automatic', failSince: endpoint.firstFailureAt!.toISOString() } });
    // Counted for the SwitchyardEndpointDisabled alert (deploy/observability).
    const metrics = await (await fetch(`${engine.t.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_endpoints_disabled_total\{service="dispatcher"\} 1$/m);
  });

  it('a success clears the failure run', async () => {
    const appId = await createApp(engine.ds);
    receiver.route('/sometimes', failTimes(1));
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/sometimes') });
    await publish(engine, appId, [{}]);
    await eventually(async () => expect((await endpointOf(engine.ds, ep.id)).firstFailureAt).toBeInstanceOf(Date));
    await eventually(async () => expect((await endpointOf(engine.ds, ep.id)).firstFailureAt).toBeNull());
    expect((await endpointOf(engine.ds, ep.id)).disabled).toBe(false);
  });
});

async function finalDeliveryFail(engine: Engine, msgId: string, endpointId: string): Promise<void> {
  await eventually(async () => expect((await deliveryOf(engine.ds, msgId, endpointId))?.status).toBe(DeliveryStatus.Fail), { timeoutMs: 8_000 });
}
