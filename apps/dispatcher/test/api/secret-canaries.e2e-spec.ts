// Endpoint secret canaries: endpoint signing secrets (and a credential header) are set to unique
// random values, then the endpoint is created, read, listed, updated, patched, rotated, sent
// messages and refused bad input. As in Svix, only GET …/secret may return a secret: no other
// answer, no attempt record, no log line at trace level and no stored row in clear may hold one.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OK, Receiver } from '../support/receiver.js';
import { AUTH, eventually, SDK_1, startApiHarness, verifyDelivery, type ApiHarness } from './harness.js';

let h: ApiHarness;
let receiver: Receiver;
const logLines: string[] = [];
/** Every answer but those of the secret endpoint, which exists to return one. */
const answers: string[] = [];
const canaries: string[] = [];

function canary(): string {
  const value = `whsec_${randomBytes(24).toString('base64')}`;
  canaries.push(value);
  return value;
}

interface Answer {
  status: number;
  json<T = Record<string, unknown>>(): T;
}

async function api(method: string, path: string, body?: unknown, options: { headers?: Record<string, string>; mayHoldSecret?: boolean } = {}): Promise<Answer> {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method,
    headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!options.mayHoldSecret) answers.push(`${res.status}\n${JSON.stringify(Object.fromEntries(res.headers))}\n${text}`);
  return { status: res.status, json: <T>() => JSON.parse(text) as T };
}

beforeAll(async () => {
  h = await startApiHarness('api-secret-canaries', { SECRET_ENCRYPTION_KEYS: randomBytes(32).toString('base64'), LOG_LEVEL: 'trace' }, SDK_1, {
    logDestination: { write: (line) => void logLines.push(line) },
  });
  receiver = await Receiver.start({ script: () => OK });
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

describe('endpoint secret canaries', () => {
  let appId: string;
  let endpointId: string;
  let current: string;

  it('creates an endpoint with a chosen secret; no answer but getSecret shows it', async () => {
    appId = (await api('POST', '/api/v1/app', { name: 'canaries' })).json<{ id: string }>().id;
    current = canary();
    const body = { url: receiver.url('/canary'), secret: current, uid: 'canary-ep' };
    const created = await api('POST', `/api/v1/app/${appId}/endpoint`, body, { headers: { 'idempotency-key': 'canary-ep-1' } });
    expect(created.status).toBe(201);
    endpointId = created.json<{ id: string }>().id;
    expect((await api('POST', `/api/v1/app/${appId}/endpoint`, body, { headers: { 'idempotency-key': 'canary-ep-1' } })).status).toBe(201);
    expect((await api('GET', `/api/v1/app/${appId}/endpoint/${endpointId}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/app/${appId}/endpoint?limit=250`)).status).toBe(200);
    expect((await api('PUT', `/api/v1/app/${appId}/endpoint/${endpointId}`, { url: receiver.url('/canary'), uid: 'canary-ep', description: 'put' })).status).toBe(200);
    expect((await api('PATCH', `/api/v1/app/${appId}/endpoint/${endpointId}`, { description: 'patched' })).status).toBe(200);
    const headerCanary = canary();
    expect((await api('PUT', `/api/v1/app/${appId}/endpoint/${endpointId}/headers`, { headers: { authorization: `Bearer ${headerCanary}`, 'x-team': 'core' } })).status).toBe(204);
    expect((await api('GET', `/api/v1/app/${appId}/endpoint/${endpointId}/headers`)).json()).toEqual({ headers: { 'x-team': 'core' }, sensitive: ['authorization'] });
    expect((await api('GET', `/api/v1/app/${appId}/endpoint/${endpointId}/secret`, undefined, { mayHoldSecret: true })).json()).toEqual({ key: current });
  });

  it('signs deliveries with it, and the attempt log, message and stats show none of it', async () => {
    const sent = await api('POST', `/api/v1/app/${appId}/msg`, { eventType: 'canary.sent', payload: { n: 1 } });
    expect(sent.status).toBe(202);
    const msgId = sent.json<{ id: string }>().id;
    const got = await eventually(() => {
      const r = receiver.requests.find((req) => req.headers['webhook-id'] === msgId);
      if (!r) throw new Error('not yet');
      return r;
    });
    expect(verifyDelivery(current, got)).toEqual({ n: 1 });

    // Rotate to another chosen key; both sign during the grace period.
    const previous = current;
    current = canary();
    expect((await api('POST', `/api/v1/app/${appId}/endpoint/${endpointId}/secret/rotate`, { key: current })).status).toBe(204);
    const again = (await api('POST', `/api/v1/app/${appId}/msg`, { eventType: 'canary.sent', payload: { n: 2 } })).json<{ id: string }>().id;
    const second = await eventually(() => {
      const r = receiver.requests.find((req) => req.headers['webhook-id'] === again);
      if (!r) throw new Error('not yet');
      return r;
    });
    expect(verifyDelivery(current, second)).toEqual({ n: 2 });
    expect(verifyDelivery(previous, second)).toEqual({ n: 2 });

    await eventually(async () => expect((await api('GET', `/api/v1/app/${appId}/attempt/endpoint/${endpointId}`)).json<{ data: unknown[] }>().data).toHaveLength(2));
    const attempts = (await api('GET', `/api/v1/app/${appId}/attempt/msg/${again}`)).json<{ data: { id: string }[] }>();
    expect(attempts.data.length).toBeGreaterThan(0);
    for (const a of attempts.data) expect((await api('GET', `/api/v1/app/${appId}/msg/${again}/attempt/${a.id}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/app/${appId}/msg/${again}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/app/${appId}/endpoint/${endpointId}/stats`)).status).toBe(200);
    expect((await api('GET', `/api/v1/app/${appId}/endpoint/${endpointId}/secret`, undefined, { mayHoldSecret: true })).json()).toEqual({ key: current });
  });

  it('refuses bad secrets without echoing them', async () => {
    const bad = `whsec_${randomBytes(12).toString('hex')}!!`;
    canaries.push(bad);
    const created = await api('POST', `/api/v1/app/${appId}/endpoint`, { url: receiver.url('/bad'), secret: bad });
    expect(created.status).toBe(422);
    const rotate = await api('POST', `/api/v1/app/${appId}/endpoint/${endpointId}/secret/rotate`, { key: bad });
    expect(rotate.status).toBe(422);
    const tooLong = `whsec_${randomBytes(96).toString('base64')}`;
    canaries.push(tooLong);
    expect((await api('POST', `/api/v1/app/${appId}/endpoint`, { url: receiver.url('/bad'), secret: tooLong })).status).toBe(422);
  });

  it('keeps operational webhook endpoint secrets behind their own secret endpoint too', async () => {
    const secret = canary();
    const created = await api('POST', '/api/v1/operational-webhook/endpoint', { url: receiver.url('/ops'), secret });
    expect(created.status).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect((await api('GET', `/api/v1/operational-webhook/endpoint/${id}`)).status).toBe(200);
    expect((await api('GET', '/api/v1/operational-webhook/endpoint')).status).toBe(200);
    expect((await api('GET', `/api/v1/operational-webhook/endpoint/${id}/secret`, undefined, { mayHoldSecret: true })).json()).toEqual({ key: secret });
  });

  it('never shows a canary elsewhere: answers, OpenAPI, attempts, log lines, stored rows', async () => {
    expect((await api('GET', '/docs-json')).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(logLines.length).toBeGreaterThan(50);
    const stored = JSON.stringify([
      await h.ds.query('SELECT secret FROM endpoint_secrets'),
      await h.ds.query('SELECT request_headers, response FROM attempts'),
      await h.ds.query('SELECT response_body FROM idempotency_keys'),
    ]);
    const leaks: string[] = [];
    for (const value of canaries) {
      for (const [where, text] of [
        ['answers', answers.join('\n')],
        ['logs', logLines.join('')],
        ['database', stored],
      ] as const) {
        if (text.includes(value) || text.includes(value.slice('whsec_'.length)) || text.includes(JSON.stringify(value).slice(1, -1))) leaks.push(`${where}: ${value}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
