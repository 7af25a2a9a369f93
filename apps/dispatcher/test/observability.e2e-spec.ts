import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startThrowawayRedis, type ThrowawayRedis } from '@switchyard/db/testing';
import { startApiHarness, type ApiHarness } from './api/harness.js';
import { failTimes, Receiver } from './support/receiver.js';
import { TEST_ADMIN_KEY } from './support/test-app.js';

/** Every dispatcher operation of CONTRACT §3, as OpenAPI paths with the controllers' parameter names. */
const CONTRACT_OPERATIONS: [string, string][] = [
  ['get', '/api/v1/health'],
  ['get', '/api/v1/app'],
  ['post', '/api/v1/app'],
  ['get', '/api/v1/app/{app_id}'],
  ['put', '/api/v1/app/{app_id}'],
  ['patch', '/api/v1/app/{app_id}'],
  ['delete', '/api/v1/app/{app_id}'],
  ['get', '/api/v1/event-type'],
  ['post', '/api/v1/event-type'],
  ['get', '/api/v1/event-type/{event_type_name}'],
  ['put', '/api/v1/event-type/{event_type_name}'],
  ['patch', '/api/v1/event-type/{event_type_name}'],
  ['delete', '/api/v1/event-type/{event_type_name}'],
  ['get', '/api/v1/app/{app_id}/endpoint'],
  ['post', '/api/v1/app/{app_id}/endpoint'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}'],
  ['put', '/api/v1/app/{app_id}/endpoint/{endpoint_id}'],
  ['patch', '/api/v1/app/{app_id}/endpoint/{endpoint_id}'],
  ['delete', '/api/v1/app/{app_id}/endpoint/{endpoint_id}'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret'],
  ['post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers'],
  ['put', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers'],
  ['patch', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers'],
  ['post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover'],
  ['post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats'],
  ['get', '/api/v1/app/{app_id}/msg'],
  ['post', '/api/v1/app/{app_id}/msg'],
  ['get', '/api/v1/app/{app_id}/msg/{msg_id}'],
  ['get', '/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}'],
  ['get', '/api/v1/app/{app_id}/attempt/msg/{msg_id}'],
  ['get', '/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}'],
  ['post', '/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg'],
  ['get', '/api/v1/app/{app_id}/msg/{msg_id}/endpoint'],
];

/** Polls until `fn` gives a truthy value. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function metric(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('dispatcher observability', () => {
  let h: ApiHarness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await startApiHarness('observability');
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  it('serves an OpenAPI 3 document that validates and lists every CONTRACT §3 operation', async () => {
    const res = await fetch(`${h.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const [method, path] of CONTRACT_OPERATIONS) {
      expect({ method, path, present: Boolean(doc.paths[path]?.[method]) }).toEqual({ method, path, present: true });
    }
    expect((await fetch(`${h.baseUrl}/docs`)).status).toBe(200);
  });

  it('shows deliveries and attempts by outcome, with durations, after a delivery', async () => {
    const app = await h.svix.application.create({ name: 'metrics' });
    receiver.route('/flaky', failTimes(1));
    await h.svix.endpoint.create(app.id, { url: receiver.url('/flaky') });
    await h.svix.message.create(app.id, { eventType: 'metrics.test', payload: { n: 1 } });
    const text = await eventually('the delivery to show in /metrics', async () => {
      const body = await (await fetch(`${h.baseUrl}/metrics`)).text();
      return metric(body, 'switchyard_deliveries_total', { outcome: 'success' }) >= 1 ? body : undefined;
    });
    expect(metric(text, 'switchyard_delivery_attempts_total', { outcome: 'failure', status_class: '5xx', trigger: 'scheduled' })).toBe(1);
    expect(metric(text, 'switchyard_delivery_attempts_total', { outcome: 'success', status_class: '2xx', trigger: 'scheduled' })).toBe(1);
    expect(metric(text, 'switchyard_delivery_attempt_duration_seconds_count', { outcome: 'success' })).toBe(1);
    expect(text).toMatch(/switchyard_queue_jobs\{queue="delivery",state="waiting",service="dispatcher"\} \d+/);
    expect(text).toMatch(/switchyard_queue_oldest_waiting_job_age_seconds\{queue="fan-out",service="dispatcher"\} [\d.]+/);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('keeps the queue dashboard behind the admin token and lists both queues', async () => {
    expect((await fetch(`${h.baseUrl}/admin/queues`)).status).toBe(401);
    const api = await fetch(`${h.baseUrl}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(api.status).toBe(200);
    const text = JSON.stringify(await api.json());
    expect(text).toContain('fan-out');
    expect(text).toContain('delivery');
  });
});

describe('dispatcher readiness follows Redis; liveness does not', () => {
  let redis: ThrowawayRedis;
  let h: ApiHarness;
  beforeAll(async () => {
    redis = await startThrowawayRedis();
    h = await startApiHarness('readiness', { REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await redis?.start();
    await h?.close();
    await redis?.stop();
  });

  it('answers 200, then 503 while Redis is down (liveness stays 204), then 200 again', async () => {
    expect((await fetch(`${h.baseUrl}/health/ready`)).status).toBe(200);
    await redis.stop();
    const down = await eventually('readiness to turn 503', async () => {
      const res = await fetch(`${h.baseUrl}/health/ready`);
      return res.status === 503 ? res : undefined;
    });
    expect(await down.json()).toMatchObject({ status: 'error', error: { redis: { status: 'down' } }, info: { database: { status: 'up' } } });
    expect((await fetch(`${h.baseUrl}/api/v1/health`)).status).toBe(204);
    await redis.start();
    await eventually('readiness to return', async () => (await fetch(`${h.baseUrl}/health/ready`)).status === 200);
  });
});
