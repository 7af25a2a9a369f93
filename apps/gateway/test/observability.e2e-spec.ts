import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startLoopbackProxy, testDatabaseBaseUrl, type LoopbackProxy } from '@switchyard/db/testing';
import { bodySchemaOf, conformance, operationsOf, resolve, responseSchemaOf, type OpenApiDoc, type Operation } from '@switchyard/api-kit/testing';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';
import { until } from '@switchyard/testkit';

/** Every gateway operation of docs/api.md §6, as OpenAPI paths with Nest's parameter names, and its operationId (Svix's where Svix has the operation). */
const API_OPERATIONS: [string, string, string][] = [
  ['get', '/api/v1/health', 'v1.health.get'],
  ['get', '/ingest/api/v1/source', 'v1.ingest.source.list'],
  ['post', '/ingest/api/v1/source', 'v1.ingest.source.create'],
  ['get', '/ingest/api/v1/source/{sourceId}', 'v1.ingest.source.get'],
  ['put', '/ingest/api/v1/source/{sourceId}', 'v1.ingest.source.update'],
  ['delete', '/ingest/api/v1/source/{sourceId}', 'v1.ingest.source.delete'],
  ['post', '/ingest/api/v1/source/{sourceId}/token/rotate', 'v1.ingest.source.rotate-token'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint', 'v1.ingest.endpoint.list'],
  ['post', '/ingest/api/v1/source/{sourceId}/endpoint', 'v1.ingest.endpoint.create'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}', 'v1.ingest.endpoint.get'],
  ['put', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}', 'v1.ingest.endpoint.update'],
  ['delete', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}', 'v1.ingest.endpoint.delete'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/secret', 'v1.ingest.endpoint.get-secret'],
  ['post', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/secret/rotate', 'v1.ingest.endpoint.rotate-secret'],
  ['get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/headers', 'v1.ingest.endpoint.get-headers'],
  ['put', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/headers', 'v1.ingest.endpoint.update-headers'],
  ['get', '/ingest/api/v1/source/{sourceId}/request', 'v1.ingest.source.list-requests'],
  ['get', '/ingest/api/v1/source/{sourceId}/request/{requestId}', 'v1.ingest.source.get-request'],
  ['post', '/in/{token}', 'ingress_post'],
  ['get', '/in/{token}', 'ingress_get'],
];

/** The tags operations are grouped by. */
const TAGS = new Set(['Ingest Source', 'Ingest Endpoint', 'Ingress', 'Health']);

const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` } as const;

describe('gateway OpenAPI document', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway('openapi');
  });
  afterAll(async () => {
    await t?.close();
  });

  async function openApi(): Promise<OpenApiDoc> {
    const res = await fetch(`${t.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    return (await res.json()) as OpenApiDoc;
  }

  it('serves an OpenAPI 3 document that validates and lists every docs/api.md §6 operation under its operationId', async () => {
    const doc = await openApi();
    expect(doc.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const [method, path, operationId] of API_OPERATIONS) {
      expect({ method, path, operationId: doc.paths[path]?.[method]?.operationId }).toEqual({ method, path, operationId });
    }
  });

  it('gives every operation a unique operationId, a summary, a tag and described path parameters', async () => {
    const doc = await openApi();
    const operations = operationsOf(doc);
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      expect({ where, summary: Boolean(op.summary?.trim()) }).toEqual({ where, summary: true });
      expect({ where, tags: op.tags?.filter((tag) => !TAGS.has(tag)) ?? ['(none)'] }).toEqual({ where, tags: [] });
      for (const name of path.match(/(?<=\{)[^}]+(?=\})/g) ?? []) {
        const param = op.parameters?.find((p) => p.in === 'path' && p.name === name);
        expect({ where, name, present: Boolean(param) }).toEqual({ where, name, present: true });
        if (name === 'sourceId' || name === 'endpointId') expect(param?.description).toMatch(/uid/);
      }
    }
  });

  it('describes request bodies, query parameters and response shapes', async () => {
    const doc = await openApi();
    const op = (method: string, path: string): Operation | undefined => doc.paths[path]?.[method];
    const sourceIn = bodySchemaOf(doc, op('post', '/ingest/api/v1/source'));
    expect(sourceIn.required?.sort()).toEqual(['name', 'type']);
    expect(sourceIn.properties?.type?.enum).toEqual(expect.arrayContaining(['github', 'stripe', 'generic-webhook']));
    expect(sourceIn.properties?.config).toMatchObject({ type: 'object', nullable: true });
    const sourceOut = responseSchemaOf(doc, op('post', '/ingest/api/v1/source'), 201);
    expect(sourceOut.required).toEqual(expect.arrayContaining(['id', 'name', 'type', 'config', 'ingestUrl', 'metadata', 'createdAt']));
    expect(responseSchemaOf(doc, op('post', '/ingest/api/v1/source/{sourceId}/token/rotate'), 200).required).toEqual(['ingestUrl']);
    expect(bodySchemaOf(doc, op('post', '/ingest/api/v1/source/{sourceId}/endpoint')).required).toEqual(['url']);
    const list = op('get', '/ingest/api/v1/source/{sourceId}/endpoint');
    expect(list?.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['limit', 'iterator', 'order']);
    const page = responseSchemaOf(doc, list, 200);
    expect(resolve(doc, page.properties!.data!.items!).properties).toHaveProperty('url');
    expect(resolve(doc, responseSchemaOf(doc, op('post', '/ingest/api/v1/source'), 422).properties!.detail!.items!).required?.sort()).toEqual(['loc', 'msg', 'type']);
  });

  it('documents what the API actually answers', async () => {
    const doc = await openApi();
    /** Calls the API and checks the answer against the documented schema of that operation and status. */
    async function call(method: string, template: string, params: Record<string, string>, body?: unknown): Promise<Record<string, unknown>> {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
      const res = await fetch(`${t.baseUrl}${path}`, {
        method: method.toUpperCase(),
        headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const where = `${method} ${template} ${res.status}`;
      const documented = doc.paths[template]?.[method]?.responses[String(res.status)];
      expect({ where, documented: Boolean(documented) }).toEqual({ where, documented: true });
      const schema = documented?.content?.['application/json']?.schema;
      expect({ where, problems: schema ? conformance(doc, schema, json) : text ? ['body not documented'] : [] }).toEqual({ where, problems: [] });
      return json;
    }

    const source = await call('post', '/ingest/api/v1/source', {}, { name: 'documented', uid: 'documented-src', type: 'github', config: { secret: 'gh-secret' }, metadata: { k: 'v' } });
    const ids = { sourceId: source.id as string };
    await call('post', '/ingest/api/v1/source', {}, { name: 'bad', type: 'no-such-type' });
    await call('get', '/ingest/api/v1/source/{sourceId}', { sourceId: 'no-such-source' });
    await call('get', '/ingest/api/v1/source', {});
    await call('put', '/ingest/api/v1/source/{sourceId}', { sourceId: 'documented-src' }, { name: 'documented', uid: 'documented-src', type: 'github', config: { secret: 'gh-secret-2' } });
    const rotated = await call('post', '/ingest/api/v1/source/{sourceId}/token/rotate', ids);
    const endpoint = await call('post', '/ingest/api/v1/source/{sourceId}/endpoint', ids, { url: 'https://example.com/ingested', uid: 'documented-ep' });
    const withEndpoint = { ...ids, endpointId: endpoint.id as string };
    await call('get', '/ingest/api/v1/source/{sourceId}/endpoint', ids);
    await call('put', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}', withEndpoint, { url: 'https://example.com/ingested-2', throttleRate: 5 });
    await call('get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/secret', withEndpoint);
    await call('put', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/headers', withEndpoint, { headers: { 'X-A': '1', Authorization: 'x' } });
    await call('get', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/headers', withEndpoint);
    const unsigned = await fetch(t.localUrl(rotated.ingestUrl as string), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(401);
    const requests = await call('get', '/ingest/api/v1/source/{sourceId}/request', ids);
    const [request] = requests.data as { id: string }[];
    await call('get', '/ingest/api/v1/source/{sourceId}/request/{requestId}', { ...ids, requestId: request!.id });
    await call('delete', '/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}', withEndpoint);
    await call('delete', '/ingest/api/v1/source/{sourceId}', ids);
  });
});

describe('gateway observability', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway('observability');
  });
  afterAll(async () => {
    await t?.close();
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
    const text = await (await fetch(`${t.adminUrl}/metrics`)).text();
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

  it('keeps the queue dashboard on the admin listener, behind the admin token', async () => {
    expect((await fetch(`${t.adminUrl}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${t.adminUrl}/admin/queues`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const basic = Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString('base64');
    const page = await fetch(`${t.adminUrl}/admin/queues`, { headers: { authorization: `Basic ${basic}` } });
    expect(page.status).toBe(200);
    const api = await fetch(`${t.adminUrl}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('fan-out');
  });

  it('serves no admin surface on the public port: metrics and the dashboard are 404 there, with or without the token', async () => {
    expect(t.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.adminUrl).not.toBe(t.baseUrl);
    for (const path of ['/metrics', '/admin/queues', '/admin/queues/api/queues']) {
      for (const headers of [{}, { authorization: `Bearer ${TEST_ADMIN_KEY}` }] as Record<string, string>[]) {
        const res = await fetch(`${t.baseUrl}${path}`, { headers });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    }
    // what stays public: ingress, the API, the docs, liveness and readiness
    expect((await fetch(`${t.baseUrl}/docs-json`)).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/api/v1/health`)).status).toBe(204);
    expect(await (await fetch(`${t.baseUrl}/health/ready`)).json()).toEqual({ status: 'ok' });
  });
});

describe('gateway readiness: the status in public, the detail on the admin listener', () => {
  let database: LoopbackProxy;
  let redis: LoopbackProxy;
  let t: TestGateway;
  beforeAll(async () => {
    // the app reaches PostgreSQL and Redis through ports this test can close
    database = await startLoopbackProxy(Number(new URL(testDatabaseBaseUrl()).port || 5432));
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    redis = await startLoopbackProxy(Number(new URL(redisUrl).port || 6379));
    t = await startTestGateway('readiness', { REDIS_URL: redis.via(redisUrl) }, { databaseUrl: (url) => database.via(url) });
  });
  afterAll(async () => {
    await database?.restore();
    await redis?.restore();
    await t?.close();
    await database?.cut();
    await redis?.cut();
  });

  it('is ready with PostgreSQL and Redis up', async () => {
    const res = await fetch(`${t.baseUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const admin = await fetch(`${t.adminUrl}/health/ready`);
    expect(admin.status).toBe(200);
    expect(await admin.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('turns 503 with the status only when PostgreSQL and Redis are unreachable, while the admin listener names what failed; liveness stays 204', async () => {
    await redis.cut();
    await database.cut();
    const down = await until('readiness to turn 503', async () => {
      const res = await fetch(`${t.baseUrl}/health/ready`);
      return res.status === 503 ? res : undefined;
    });
    const text = await down.text();
    expect(JSON.parse(text)).toEqual({ status: 'error' });
    for (const leak of ['127.0.0.1', String(database.port), String(redis.port), 'ECONNREFUSED', 'database', 'redis', 'timeout']) expect(text).not.toContain(leak);
    const detail = await until('both checks to fail', async () => {
      const res = await fetch(`${t.adminUrl}/health/ready`);
      const body = (await res.json()) as { error?: Record<string, { status: string; message?: string }> };
      return res.status === 503 && body.error?.database && body.error?.redis ? body : undefined;
    });
    expect(detail).toMatchObject({ status: 'error', error: { database: { status: 'down' }, redis: { status: 'down' } } });
    // the detail the public answer leaves out: the operator's error text
    expect(JSON.stringify(detail)).toMatch(/ECONNREFUSED|timeout/);
    expect((await fetch(`${t.baseUrl}/api/v1/health`)).status).toBe(204);
    await database.restore();
    await redis.restore();
    await until('readiness to return', async () => (await fetch(`${t.baseUrl}/health/ready`)).status === 200);
  });
});
