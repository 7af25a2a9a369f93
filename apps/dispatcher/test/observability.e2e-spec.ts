import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startLoopbackProxy, testDatabaseBaseUrl, type LoopbackProxy } from '@switchyard/db/testing';
import { AUTH, SDK_1, startApiHarness, type ApiHarness } from './api/harness.js';
import { bodySchemaOf, conformance, operationsOf, resolve, responseSchemaOf, type OpenApiDoc, type Operation } from '@switchyard/api-kit/testing';
import { failTimes, OK, Receiver } from './support/receiver.js';
import { TEST_ADMIN_KEY } from './support/test-app.js';
import { until } from '@switchyard/testkit';

/** Every dispatcher operation of docs/api.md §3, as OpenAPI paths with the controllers' parameter names, and Svix's operationId. */
const API_OPERATIONS: [string, string, string][] = [
  ['get', '/api/v1/health', 'v1.health.get'],
  ['get', '/api/v1/app', 'v1.application.list'],
  ['post', '/api/v1/app', 'v1.application.create'],
  ['get', '/api/v1/app/{app_id}', 'v1.application.get'],
  ['put', '/api/v1/app/{app_id}', 'v1.application.update'],
  ['patch', '/api/v1/app/{app_id}', 'v1.application.patch'],
  ['delete', '/api/v1/app/{app_id}', 'v1.application.delete'],
  ['get', '/api/v1/event-type', 'v1.event-type.list'],
  ['post', '/api/v1/event-type', 'v1.event-type.create'],
  ['get', '/api/v1/event-type/{event_type_name}', 'v1.event-type.get'],
  ['put', '/api/v1/event-type/{event_type_name}', 'v1.event-type.update'],
  ['patch', '/api/v1/event-type/{event_type_name}', 'v1.event-type.patch'],
  ['delete', '/api/v1/event-type/{event_type_name}', 'v1.event-type.delete'],
  ['get', '/api/v1/app/{app_id}/endpoint', 'v1.endpoint.list'],
  ['post', '/api/v1/app/{app_id}/endpoint', 'v1.endpoint.create'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}', 'v1.endpoint.get'],
  ['put', '/api/v1/app/{app_id}/endpoint/{endpoint_id}', 'v1.endpoint.update'],
  ['patch', '/api/v1/app/{app_id}/endpoint/{endpoint_id}', 'v1.endpoint.patch'],
  ['delete', '/api/v1/app/{app_id}/endpoint/{endpoint_id}', 'v1.endpoint.delete'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret', 'v1.endpoint.get-secret'],
  ['post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate', 'v1.endpoint.rotate-secret'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers', 'v1.endpoint.get-headers'],
  ['put', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers', 'v1.endpoint.update-headers'],
  ['patch', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers', 'v1.endpoint.patch-headers'],
  ['post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover', 'v1.endpoint.recover'],
  ['post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example', 'v1.endpoint.send-example'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats', 'v1.endpoint.get-stats'],
  ['get', '/api/v1/app/{app_id}/msg', 'v1.message.list'],
  ['post', '/api/v1/app/{app_id}/msg', 'v1.message.create'],
  ['get', '/api/v1/app/{app_id}/msg/{msg_id}', 'v1.message.get'],
  ['get', '/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}', 'v1.message-attempt.list-by-endpoint'],
  ['get', '/api/v1/app/{app_id}/attempt/msg/{msg_id}', 'v1.message-attempt.list-by-msg'],
  ['get', '/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}', 'v1.message-attempt.get'],
  ['post', '/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend', 'v1.message-attempt.resend'],
  ['get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg', 'v1.message-attempt.list-attempted-messages'],
  ['get', '/api/v1/app/{app_id}/msg/{msg_id}/endpoint', 'v1.message-attempt.list-attempted-destinations'],
  ['delete', '/api/v1/app/{app_id}/msg/{msg_id}/content', 'v1.message.expunge-content'],
  ['delete', '/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content', 'v1.message-attempt.expunge-content'],
  ['post', '/api/v1/app/{app_id}/msg/bulk-expunge', 'v1.message.bulk-expunge-content'],
  ['post', '/api/v1/app/{app_id}/msg/expunge-all-contents', 'v1.message.expunge-all-contents'],
  ['post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/replay-missing', 'v1.endpoint.replay-missing'],
  ['get', '/api/v1/background-task', 'v1.background-task.list'],
  ['get', '/api/v1/background-task/{task_id}', 'v1.background-task.get'],
  ['get', '/api/v1/operational-webhook/endpoint', 'v1.operational-webhook.endpoint.list'],
  ['post', '/api/v1/operational-webhook/endpoint', 'v1.operational-webhook.endpoint.create'],
  ['get', '/api/v1/operational-webhook/endpoint/{endpoint_id}', 'v1.operational-webhook.endpoint.get'],
  ['put', '/api/v1/operational-webhook/endpoint/{endpoint_id}', 'v1.operational-webhook.endpoint.update'],
  ['delete', '/api/v1/operational-webhook/endpoint/{endpoint_id}', 'v1.operational-webhook.endpoint.delete'],
  ['get', '/api/v1/operational-webhook/endpoint/{endpoint_id}/secret', 'v1.operational-webhook.endpoint.get-secret'],
  ['post', '/api/v1/operational-webhook/endpoint/{endpoint_id}/secret/rotate', 'v1.operational-webhook.endpoint.rotate-secret'],
  ['get', '/api/v1/operational-webhook/endpoint/{endpoint_id}/headers', 'v1.operational-webhook.endpoint.get-headers'],
  ['put', '/api/v1/operational-webhook/endpoint/{endpoint_id}/headers', 'v1.operational-webhook.endpoint.update-headers'],
  ['post', '/api/v1/auth/app-portal-access/{app_id}', 'v1.authentication.app-portal-access'],
  ['post', '/api/v1/auth/dashboard-access/{app_id}', 'v1.authentication.dashboard-access'],
  ['post', '/api/v1/auth/app/{app_id}/expire-all', 'v1.authentication.expire-all'],
  ['post', '/api/v1/auth/logout', 'v1.authentication.logout'],
];

/** The tags operations are grouped by (Svix's, plus our own for readiness and metrics). */
const TAGS = new Set(['Application', 'Event Type', 'Endpoint', 'Message', 'Message Attempt', 'Operational Webhook Endpoint', 'Background Task', 'Authentication', 'Health', 'Metrics']);

function metric(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('dispatcher OpenAPI document', () => {
  let h: ApiHarness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await startApiHarness('openapi');
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  async function openApi(): Promise<OpenApiDoc> {
    const res = await fetch(`${h.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    return (await res.json()) as OpenApiDoc;
  }

  it('serves an OpenAPI 3 document that validates and lists every docs/api.md §3 operation under its Svix operationId', async () => {
    const doc = await openApi();
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const [method, path, operationId] of API_OPERATIONS) {
      expect({ method, path, operationId: doc.paths[path]?.[method]?.operationId }).toEqual({ method, path, operationId });
    }
    expect((await fetch(`${h.baseUrl}/docs`)).status).toBe(200);
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
      expect({ where, tags: op.tags?.filter((t) => !TAGS.has(t)) ?? ['(none)'] }).toEqual({ where, tags: [] });
      for (const name of path.match(/(?<=\{)[^}]+(?=\})/g) ?? []) {
        const param = op.parameters?.find((p) => p.in === 'path' && p.name === name);
        expect({ where, name, described: Boolean(param?.description) }).toEqual({ where, name, described: true });
        if (name.endsWith('_id') && name !== 'attempt_id' && name !== 'task_id') expect(param?.description).toMatch(/uid|eventId/);
      }
    }
  });

  it('describes request bodies, query parameters and response shapes', async () => {
    const doc = await openApi();
    const op = (method: string, path: string): Operation | undefined => doc.paths[path]?.[method];

    const applicationIn = bodySchemaOf(doc, op('post', '/api/v1/app'));
    expect(applicationIn.required).toEqual(['name']);
    expect(applicationIn.properties?.name?.type).toBe('string');
    expect(Object.keys(applicationIn.properties ?? {}).sort()).toEqual(['metadata', 'name', 'rateLimit', 'throttleRate', 'uid']);
    expect(resolve(doc, responseSchemaOf(doc, op('post', '/api/v1/app'), 201)).properties).toHaveProperty('id');
    expect(op('post', '/api/v1/app')?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['get_if_exists', 'idempotency-key']));

    const messageOut = doc.components.schemas.MessageOut!;
    for (const field of ['id', 'eventType', 'payload', 'timestamp']) {
      expect(messageOut.properties).toHaveProperty(field);
      expect(messageOut.required).toContain(field);
    }
    expect(messageOut.properties?.timestamp?.format).toBe('date-time');
    expect(bodySchemaOf(doc, op('post', '/api/v1/app/{app_id}/msg')).required?.sort()).toEqual(['eventType', 'payload']);

    const listAttempts = op('get', '/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}');
    const query = Object.fromEntries((listAttempts?.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
    expect(Object.keys(query)).toEqual(expect.arrayContaining(['limit', 'iterator', 'order', 'status', 'status_code_class', 'event_types', 'before', 'after', 'with_msg']));
    expect(query.status?.schema?.enum).toEqual([0, 1, 2, 3, 4]);
    expect(query.limit?.schema).toMatchObject({ type: 'integer', maximum: 250 });
    expect(query.before?.schema).toMatchObject({ type: 'string', format: 'date-time' });
    const page = responseSchemaOf(doc, listAttempts, 200);
    expect(page.required?.sort()).toEqual(['data', 'done', 'iterator', 'prevIterator']);
    expect(resolve(doc, page.properties!.data!.items!).properties).toHaveProperty('responseStatusCode');

    const endpointIn = bodySchemaOf(doc, op('post', '/api/v1/app/{app_id}/endpoint'));
    expect(endpointIn.required).toEqual(['url']);
    expect(endpointIn.properties?.url).toMatchObject({ type: 'string', format: 'uri' });
    expect(endpointIn.properties?.filterTypes).toMatchObject({ type: 'array', items: { type: 'string' }, nullable: true });

    const invalid = responseSchemaOf(doc, op('post', '/api/v1/app'), 422);
    expect(resolve(doc, invalid.properties!.detail!.items!).required?.sort()).toEqual(['loc', 'msg', 'type']);
    expect(responseSchemaOf(doc, op('get', '/api/v1/app/{app_id}'), 404).required?.sort()).toEqual(['code', 'detail']);
    expect(op('get', '/api/v1/health')?.security).toEqual([]);
  });

  it('documents what the API actually answers', async () => {
    const doc = await openApi();
    const seen = new Set<string>();
    /** Calls the API and checks the answer against the documented schema of that operation and status. */
    async function call(method: string, template: string, params: Record<string, string>, body?: unknown, query = ''): Promise<Record<string, unknown>> {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
      const res = await fetch(`${h.baseUrl}${path}${query}`, {
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
      seen.add(`${method} ${template}`);
      return json;
    }

    receiver.route('/documented', () => OK);
    await call('post', '/api/v1/event-type', {}, { name: 'doc.checked', description: 'Checked against the document', schemas: { '1': { examples: [{ a: 1 }] } } });
    await call('get', '/api/v1/event-type', {}, undefined, '?with_content=true');
    await call('get', '/api/v1/event-type/{event_type_name}', { event_type_name: 'doc.checked' });
    const app = await call('post', '/api/v1/app', {}, { name: 'documented', uid: 'documented-app', metadata: { k: 'v' } });
    await call('post', '/api/v1/app', {}, { name: 'documented', uid: 'documented-app' }, '?get_if_exists=true');
    await call('post', '/api/v1/app', {}, { name: '' });
    await call('get', '/api/v1/app/{app_id}', { app_id: 'no-such-app' });
    await call('get', '/api/v1/app', {});
    await call('patch', '/api/v1/app/{app_id}', { app_id: 'documented-app' }, { throttleRate: 5 });
    const ids = { app_id: app.id as string, endpoint_id: 'documented-ep' };
    await call('post', '/api/v1/app/{app_id}/endpoint', ids, { url: receiver.url('/documented'), uid: 'documented-ep', filterTypes: ['doc.checked'], headers: { 'X-A': '1', Authorization: 'x' } });
    await call('get', '/api/v1/app/{app_id}/endpoint', ids);
    await call('get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret', ids);
    await call('get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers', ids);
    await call('get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats', ids);
    const msg = await call('post', '/api/v1/app/{app_id}/msg', ids, { eventType: 'doc.checked', payload: { a: 1 }, eventId: 'documented-msg', channels: ['c1'] });
    const withMsg = { ...ids, msg_id: msg.id as string };
    await call('get', '/api/v1/app/{app_id}/msg/{msg_id}', { ...withMsg, msg_id: 'documented-msg' });
    await call('get', '/api/v1/app/{app_id}/msg', ids, undefined, '?with_content=false');
    await until('an attempt of the message', async () => {
      const res = await fetch(`${h.baseUrl}/api/v1/app/${ids.app_id}/attempt/msg/${withMsg.msg_id}`, { headers: AUTH });
      return ((await res.json()) as { data: unknown[] }).data.length > 0;
    });
    const attempts = (await call('get', '/api/v1/app/{app_id}/attempt/msg/{msg_id}', withMsg)).data as { id: string }[];
    await call('get', '/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}', { ...withMsg, attempt_id: attempts[0]!.id });
    await call('get', '/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}', ids, undefined, '?with_msg=true&status=0');
    await call('get', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg', ids);
    await call('get', '/api/v1/app/{app_id}/msg/{msg_id}/endpoint', withMsg);
    await call('post', '/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend', withMsg);
    await call('post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover', ids, { since: new Date(Date.now() - 3600_000).toISOString() });
    await call('post', '/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example', ids, { eventType: 'doc.checked' });
    const operational = await call('post', '/api/v1/operational-webhook/endpoint', {}, { url: 'https://example.com/ops', filterTypes: ['endpoint.disabled'] });
    await call('get', '/api/v1/operational-webhook/endpoint/{endpoint_id}/secret', { endpoint_id: operational.id as string });
    await call('get', '/api/v1/operational-webhook/endpoint', {});
    await call('delete', '/api/v1/app/{app_id}/endpoint/{endpoint_id}', ids);
    expect(seen.size).toBeGreaterThanOrEqual(25);
  });
});

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

  it('shows deliveries and attempts by outcome, with durations, after a delivery', async () => {
    const app = await h.svix.application.create({ name: 'metrics' });
    receiver.route('/flaky', failTimes(1));
    await h.svix.endpoint.create(app.id, { url: receiver.url('/flaky') });
    await h.svix.message.create(app.id, { eventType: 'metrics.test', payload: { n: 1 } });
    const text = await until('the delivery to show in /metrics', async () => {
      const body = await (await fetch(`${h.adminUrl}/metrics`)).text();
      return metric(body, 'switchyard_deliveries_total', { outcome: 'success' }) >= 1 ? body : undefined;
    });
    expect(metric(text, 'switchyard_delivery_attempts_total', { outcome: 'failure', status_class: '5xx', trigger: 'scheduled' })).toBe(1);
    expect(metric(text, 'switchyard_delivery_attempts_total', { outcome: 'success', status_class: '2xx', trigger: 'scheduled' })).toBe(1);
    expect(metric(text, 'switchyard_delivery_attempt_duration_seconds_count', { outcome: 'success' })).toBe(1);
    expect(text).toMatch(/switchyard_queue_jobs\{queue="turns",state="waiting",service="dispatcher"\} \d+/);
    // the engine's own series: how late attempts went out, turns, attempts in flight, and each endpoint's limits
    expect(metric(text, 'switchyard_delivery_lag_seconds_count', {})).toBe(2);
    expect(metric(text, 'switchyard_turns_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/switchyard_delivery_attempts_in_flight\{service="dispatcher"\} \d+/);
    expect(text).toMatch(/switchyard_endpoint_circuit_state\{endpoint_id="ep_[0-9A-Z]+",service="dispatcher"\} 0/);
    expect(text).toMatch(/switchyard_endpoint_concurrency_limit\{endpoint_id="ep_[0-9A-Z]+",service="dispatcher"\} [\d.]+/);
    expect(metric(text, 'switchyard_endpoint_circuits', { state: 'closed' })).toBe(1);
    expect(text).toMatch(/switchyard_queue_oldest_waiting_job_age_seconds\{queue="fan-out",service="dispatcher"\} [\d.]+/);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('keeps the queue dashboard on the admin listener, behind the admin token, listing both queues', async () => {
    expect((await fetch(`${h.adminUrl}/admin/queues`)).status).toBe(401);
    const api = await fetch(`${h.adminUrl}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(api.status).toBe(200);
    const text = JSON.stringify(await api.json());
    expect(text).toContain('fan-out');
    expect(text).toContain('turns');
  });

  it('serves no admin surface on the public port: metrics and the dashboard are 404 there, with or without the token', async () => {
    expect(h.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(h.adminUrl).not.toBe(h.baseUrl);
    for (const path of ['/metrics', '/admin/queues', '/admin/queues/api/queues']) {
      for (const headers of [{}, AUTH]) {
        const res = await fetch(`${h.baseUrl}${path}`, { headers });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    }
    expect((await fetch(`${h.baseUrl}/docs-json`)).status).toBe(200);
    expect(await (await fetch(`${h.baseUrl}/health/ready`)).json()).toEqual({ status: 'ok' });
  });
});

describe('dispatcher readiness: the status in public, the detail on the admin listener', () => {
  let database: LoopbackProxy;
  let redis: LoopbackProxy;
  let h: ApiHarness;
  beforeAll(async () => {
    // the app reaches PostgreSQL and Redis through ports this test can close
    database = await startLoopbackProxy(Number(new URL(testDatabaseBaseUrl()).port || 5432));
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    redis = await startLoopbackProxy(Number(new URL(redisUrl).port || 6379));
    h = await startApiHarness('readiness', { REDIS_URL: redis.via(redisUrl) }, SDK_1, { databaseUrl: (url) => database.via(url) });
  });
  afterAll(async () => {
    await database?.restore();
    await redis?.restore();
    await h?.close();
    await database?.cut();
    await redis?.cut();
  });

  it('answers 200, then 503 with the status only while PostgreSQL and Redis are unreachable (the admin listener names them; liveness stays 204), then 200 again', async () => {
    expect(await (await fetch(`${h.baseUrl}/health/ready`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${h.adminUrl}/health/ready`)).json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
    await redis.cut();
    await database.cut();
    const down = await until('readiness to turn 503', async () => {
      const res = await fetch(`${h.baseUrl}/health/ready`);
      return res.status === 503 ? res : undefined;
    });
    const text = await down.text();
    expect(JSON.parse(text)).toEqual({ status: 'error' });
    for (const leak of ['127.0.0.1', String(database.port), String(redis.port), 'ECONNREFUSED', 'database', 'redis', 'timeout']) expect(text).not.toContain(leak);
    const detail = await until('both checks to fail', async () => {
      const res = await fetch(`${h.adminUrl}/health/ready`);
      const body = (await res.json()) as { error?: Record<string, unknown> };
      return res.status === 503 && body.error?.database && body.error?.redis ? body : undefined;
    });
    expect(detail).toMatchObject({ status: 'error', error: { database: { status: 'down' }, redis: { status: 'down' } } });
    expect(JSON.stringify(detail)).toMatch(/ECONNREFUSED|timeout/);
    expect((await fetch(`${h.baseUrl}/api/v1/health`)).status).toBe(204);
    await database.restore();
    await redis.restore();
    await until('readiness to return', async () => (await fetch(`${h.baseUrl}/health/ready`)).status === 200);
  });
});
