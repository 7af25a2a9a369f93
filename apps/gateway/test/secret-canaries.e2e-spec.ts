// Secret canaries: every source type gets every field its provider marks secret set to a
// unique random value, then the source is created, read, listed, updated and sent requests
// that carry those values the way careless senders do (headers, query string). No canary may
// come back in any API answer, the request log, the OpenAPI document, or any log line the
// gateway writes at trace level; and none may sit in the database in clear.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { InboundRequestEntity, SourceEntity } from '@switchyard/db';
import { secretFieldsOf, verifierFor } from '@switchyard/providers';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { SOURCE_TYPES } from '../src/sources/source-types.js';
import { PROVIDER_CASES } from './support/providers.js';
import { startTestGateway, TEST_ADMIN_KEY, TEST_PUBLIC_URL, type TestGateway } from './support/test-app.js';

let t: TestGateway;
const logLines: string[] = [];
/** Every answer body the gateway gave, in order. */
const answers: string[] = [];
const canaries: string[] = [];

beforeAll(async () => {
  t = await startTestGateway('canaries', { SECRET_ENCRYPTION_KEYS: randomBytes(32).toString('base64'), LOG_LEVEL: 'trace' }, { logDestination: { write: (line) => void logLines.push(line) } });
});
afterAll(async () => {
  await t?.close();
});

interface Answer {
  status: number;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

async function call(method: string, url: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(url, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  // What came back only (the request itself carries canaries on purpose).
  answers.push(`${res.status}\n${JSON.stringify(Object.fromEntries(res.headers))}\n${text}`);
  return { status: res.status, text, json: <T>() => JSON.parse(text) as T };
}

function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return call(method, `${t.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Random values in the shapes schemes accept: free text, whsec_ (Standard Webhooks), hex, base64. */
const SHAPES: (() => string)[] = [
  () => `cnry${randomBytes(12).toString('hex')}`,
  () => `whsec_${randomBytes(24).toString('base64')}`,
  () => randomBytes(24).toString('hex'),
  () => randomBytes(24).toString('base64'),
];

function canary(shape = 0): string {
  const value = SHAPES[shape]!();
  canaries.push(value);
  return value;
}

function baseConfig(type: string): Record<string, unknown> {
  return PROVIDER_CASES.find((c) => c.type === type)?.config(`${TEST_PUBLIC_URL}/in/x`) ?? {};
}

interface CanarySource {
  id: string;
  type: string;
  ingestUrl: string;
  config: Record<string, unknown>;
}

/**
 * Sends `config` with every secret field a canary, first as free text; a field the type's parser
 * refuses (a 422 naming it: that answer is checked too) gets the next shape.
 */
async function withCanaries(type: string, send: (config: Record<string, unknown>) => Promise<Answer>): Promise<{ answer: Answer; config: Record<string, unknown> }> {
  const fields = secretFieldsOf(verifierFor(type)!);
  const config: Record<string, unknown> = { ...baseConfig(type) };
  const shape = new Map(fields.map((f) => [f, 0]));
  for (const f of fields) config[f] = canary(0);
  for (;;) {
    const answer = await send(config);
    if (answer.status !== 422) return { answer, config };
    const refused = answer
      .json<{ detail: { loc: string[] }[] }>()
      .detail.map((d) => d.loc[2]!)
      .filter((f) => fields.includes(f));
    expect(refused.length).toBeGreaterThan(0);
    for (const f of refused) {
      const next = shape.get(f)! + 1;
      expect(next).toBeLessThan(SHAPES.length);
      shape.set(f, next);
      config[f] = canary(next);
    }
  }
}

const sources: CanarySource[] = [];

describe('secret canaries', () => {
  it('creates a source of every type with every secret field a canary; answers show only settings', async () => {
    expect(SOURCE_TYPES.length).toBeGreaterThan(30);
    for (const type of SOURCE_TYPES) {
      const secretFields = secretFieldsOf(verifierFor(type)!);
      const { answer, config } = await withCanaries(type, (config) => api('POST', '/ingest/api/v1/source', { name: `canary ${type}`, type, config }));
      expect(answer.status).toBe(201);
      const body = answer.json<{ id: string; ingestUrl: string; config: Record<string, unknown> }>();
      for (const f of secretFields) expect(body.config).not.toHaveProperty(f);
      sources.push({ id: body.id, type, ingestUrl: body.ingestUrl, config });
    }
    // A create replayed with its idempotency key answers from the store.
    const { config } = await withCanaries('gitlab', async (c) => {
      const first = await api('POST', '/ingest/api/v1/source', { name: 'idempotent', type: 'gitlab', config: c }, { 'idempotency-key': 'canary-1' });
      if (first.status === 201) expect((await api('POST', '/ingest/api/v1/source', { name: 'idempotent', type: 'gitlab', config: c }, { 'idempotency-key': 'canary-1' })).status).toBe(201);
      return first;
    });
    expect(Object.keys(config)).toEqual(expect.arrayContaining(['secret', 'signingToken']));
  });

  it('gets, lists and updates them (with new canaries)', async () => {
    for (const source of sources) expect((await api('GET', `/ingest/api/v1/source/${source.id}`)).status).toBe(200);
    expect((await api('GET', '/ingest/api/v1/source?limit=250')).status).toBe(200);
    for (const source of sources) {
      const { answer, config } = await withCanaries(source.type, (config) => api('PUT', `/ingest/api/v1/source/${source.id}`, { name: `canary ${source.type} v2`, type: source.type, config }));
      expect(answer.status).toBe(200);
      source.config = config;
      expect((await api('GET', `/ingest/api/v1/source/${source.id}`)).status).toBe(200);
    }
    expect((await api('GET', '/ingest/api/v1/source?limit=250')).status).toBe(200);
  });

  it('keeps canaries that senders echo in headers and the query string out of the request log', async () => {
    for (const source of sources) {
      const values = secretFieldsOf(verifierFor(source.type)!).flatMap((f) => [source.config[f]].flat() as string[]);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      values.forEach((v, i) => {
        headers[`x-webhook-secret-${i}`] = v;
        headers[`x-echo-${i}`] = `token=${v}; more`;
      });
      const query = values.map((v, i) => `t${i}=${encodeURIComponent(v)}`).join('&');
      const answer = await call('POST', `${t.localUrl(source.ingestUrl)}${query ? `?${query}` : ''}`, { headers, body: '{"type":"canary.test","id":"c1"}' });
      expect([200, 400, 401]).toContain(answer.status);
    }
  });

  it('accepts signed deliveries and handshakes that carry the canaries themselves, without logging them', async () => {
    const gitlab = sources.find((s) => s.type === 'gitlab')!;
    const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main' });
    const id = `msg_${randomBytes(8).toString('hex')}`;
    const ts = new Date();
    const signature = new StandardWebhook(gitlab.config.signingToken as string).sign(id, ts, body);
    const accepted = await call('POST', t.localUrl(gitlab.ingestUrl), {
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': gitlab.config.secret as string,
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    });
    expect(accepted.status).toBe(200);

    const meta = sources.find((s) => s.type === 'meta')!;
    const challenge = `${t.localUrl(meta.ingestUrl)}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(meta.config.verifyToken as string)}&hub.challenge=4242`;
    const handshake = await call('GET', challenge);
    expect(handshake).toMatchObject({ status: 200, text: '4242' });

    const github = sources.find((s) => s.type === 'github')!;
    const ghBody = JSON.stringify({ zen: 'canaries', hook_id: 1 });
    const gh = await call('POST', t.localUrl(github.ingestUrl), {
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': randomBytes(8).toString('hex'),
        'x-hub-signature-256': await octokitSign(github.config.secret as string, ghBody),
      },
      body: ghBody,
    });
    expect(gh.status).toBe(200);
  });

  it('reads the request log of every source back through the API', async () => {
    for (const source of sources) {
      const list = await api('GET', `/ingest/api/v1/source/${source.id}/request?limit=250`);
      expect(list.status).toBe(200);
      const requests = list.json<{ data: { id: string }[] }>().data;
      expect(requests.length).toBeGreaterThan(0);
      for (const r of requests) expect((await api('GET', `/ingest/api/v1/source/${source.id}/request/${r.id}`)).status).toBe(200);
    }
  });

  it('serves an OpenAPI document without them', async () => {
    expect((await call('GET', `${t.baseUrl}/docs-json`)).status).toBe(200);
  });

  it('never shows a canary: not in any answer, the request log, a log line, or the database in clear', async () => {
    const unique = new Set(canaries);
    expect(unique.size).toBe(canaries.length);
    const secretFieldCount = SOURCE_TYPES.reduce((n, type) => n + secretFieldsOf(verifierFor(type)!).length, 0);
    expect(canaries.length).toBeGreaterThanOrEqual(2 * secretFieldCount);
    // Give the logger a moment to hand over its last lines.
    await new Promise((r) => setImmediate(r));
    expect(logLines.length).toBeGreaterThan(100);
    const allAnswers = answers.join('\n');
    const allLogs = logLines.join('');
    const configs = (await t.dataSource.getRepository(SourceEntity).find()).map((s) => s.config).join('\n');
    const requestLog = JSON.stringify(await t.dataSource.getRepository(InboundRequestEntity).find({ select: { url: true, headers: true } }));
    const leaks: string[] = [];
    for (const value of canaries) {
      for (const [where, text] of [
        ['answers', allAnswers],
        ['logs', allLogs],
        ['sources.config', configs],
        ['inbound_requests', requestLog],
      ] as const) {
        if (text.includes(value) || text.includes(encodeURIComponent(value)) || text.includes(JSON.stringify(value).slice(1, -1))) leaks.push(`${where}: ${value}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
