import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startThrowawayRedis, type ThrowawayRedis } from '@switchyard/db/testing';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every gateway operation of CONTRACT §6, as OpenAPI paths with Nest's parameter names. */
const CONTRACT_OPERATIONS: [string, string][] = [
  ['get', '/api/v1/health'],
  ['get', '/ingest/api/v1/source'],
  ['post', '/ingest/api/v1/source'],
  ['get', '/ingest/api/v1/source/{sourceId}'],
  ['put', '/ingest/api/v1/source/{sourceId}'],
  ['delete', '/ingest/api/v1/source/{sourceId}'],
  ['post', '/ingest/api/v1/source/{sourceId}/token/rotate'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint'],
  ['post', '/ingest/api/v1/source/{sourceId}/endpoint'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}'],
  ['put', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}'],
  ['delete', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/secret'],
  ['post', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/secret/rotate'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/headers'],
  ['put', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/headers'],
  ['post', '/in/{token}'],
  ['get', '/in/{token}'],
];

describe('gateway observability', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway('observability');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves an OpenAPI 3 document that validates and lists every CONTRACT §6 operation', async () => {
    const res = await fetch(`${t.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const [method, path] of CONTRACT_OPERATIONS) {
      expect({ method, path, present: Boolean(doc.paths[path]?.[method]) }).toEqual({ method, path, present: true });
    }
  });

  it('serves a browsable UI at /docs', async () => {
    const res = await fetch(`${t.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui');
  });

  it('counts ingress requests by source type, outcome and reason in /metrics', async () => {
    const source = await t.svix.ingest.source.create({ name: 'metrics', type: 'github', config: { secret: 'metrics-secret' } });
    const post = await fetch(t.localUrl(source.ingestUrl!), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
    await fetch(`${t.baseUrl}/in/no-such-token-at-all`, { method: 'POST', body: '{}' });
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toMatch(/switchyard_ingress_requests_total\{source_type="github",outcome="rejected",reason="missing_header",service="gateway"\} 1/);
    expect(text).toMatch(/switchyard_ingress_requests_total\{source_type="unknown",outcome="rejected",reason="unknown_token",service="gateway"\} 1/);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    const given = await fetch(`${t.baseUrl}/api/v1/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const hostile = await fetch(`${t.baseUrl}/api/v1/health`, { headers: { 'x-request-id': 'x'.repeat(500) } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the queue dashboard behind the admin token', async () => {
    expect((await fetch(`${t.baseUrl}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/admin/queues`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const basic = Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString('base64');
    const page = await fetch(`${t.baseUrl}/admin/queues`, { headers: { authorization: `Basic ${basic}` } });
    expect(page.status).toBe(200);
    const api = await fetch(`${t.baseUrl}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('fan-out');
  });
});

describe('gateway readiness follows Redis; liveness does not', () => {
  let redis: ThrowawayRedis;
  let t: TestGateway;
  beforeAll(async () => {
    redis = await startThrowawayRedis();
    t = await startTestGateway('readiness', { REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('is ready with PostgreSQL and Redis up', async () => {
    const res = await fetch(`${t.baseUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('turns 503 when Redis stops while liveness stays 204, and recovers when Redis returns', async () => {
    await redis.stop();
    const down = await eventually('readiness to turn 503', async () => {
      const res = await fetch(`${t.baseUrl}/health/ready`);
      return res.status === 503 ? res : undefined;
    });
    expect(await down.json()).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
    expect((await fetch(`${t.baseUrl}/api/v1/health`)).status).toBe(204);
    await redis.start();
    await eventually('readiness to return', async () => (await fetch(`${t.baseUrl}/health/ready`)).status === 200);
  });
});
