import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { AUTH, startApiHarness, type ApiHarness } from './harness.js';

let h: ApiHarness;
let before: Record<string, number>;
const statuses: number[] = [];

const SINCE = new Date(Date.now() - 60_000).toISOString();
const UNKNOWN_ATTEMPT = 'atmpt_01KZZZZZZZZZZZZZZZZZZZZZZZ';

type Route = readonly [method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: Record<string, unknown>];

/** Every operation of the API, on fixtures that exist (created in beforeAll). */
const ROUTES: readonly Route[] = [
  ['get', '/api/v1/app'],
  ['post', '/api/v1/app', { name: 'x' }],
  ['get', '/api/v1/app/bad-app'],
  ['put', '/api/v1/app/bad-app', { name: 'x' }],
  ['patch', '/api/v1/app/bad-app', { name: 'x' }],
  ['delete', '/api/v1/app/bad-app'],
  ['get', '/api/v1/event-type'],
  ['post', '/api/v1/event-type', { name: 'new.type', description: 'd' }],
  ['get', '/api/v1/event-type/bad.type'],
  ['put', '/api/v1/event-type/bad.type', { description: 'd' }],
  ['patch', '/api/v1/event-type/bad.type', { description: 'd' }],
  ['delete', '/api/v1/event-type/bad.type'],
  ['get', '/api/v1/app/bad-app/endpoint'],
  ['post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com/hook' }],
  ['get', '/api/v1/app/bad-app/endpoint/bad-ep'],
  ['put', '/api/v1/app/bad-app/endpoint/bad-ep', { url: 'https://example.com/hook' }],
  ['patch', '/api/v1/app/bad-app/endpoint/bad-ep', { description: 'x' }],
  ['delete', '/api/v1/app/bad-app/endpoint/bad-ep'],
  ['get', '/api/v1/app/bad-app/endpoint/bad-ep/secret'],
  ['post', '/api/v1/app/bad-app/endpoint/bad-ep/secret/rotate', {}],
  ['get', '/api/v1/app/bad-app/endpoint/bad-ep/headers'],
  ['put', '/api/v1/app/bad-app/endpoint/bad-ep/headers', { headers: {} }],
  ['patch', '/api/v1/app/bad-app/endpoint/bad-ep/headers', { headers: {} }],
  ['post', '/api/v1/app/bad-app/endpoint/bad-ep/recover', { since: SINCE }],
  ['post', '/api/v1/app/bad-app/endpoint/bad-ep/send-example', { eventType: 'svix.ping' }],
  ['get', '/api/v1/app/bad-app/endpoint/bad-ep/stats'],
  ['get', '/api/v1/app/bad-app/msg'],
  ['post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: {} }],
  ['get', '/api/v1/app/bad-app/msg/bad-msg'],
  ['get', '/api/v1/app/bad-app/attempt/endpoint/bad-ep'],
  ['get', '/api/v1/app/bad-app/attempt/msg/bad-msg'],
  ['get', `/api/v1/app/bad-app/msg/bad-msg/attempt/${UNKNOWN_ATTEMPT}`],
  ['post', '/api/v1/app/bad-app/msg/bad-msg/endpoint/bad-ep/resend'],
  ['get', '/api/v1/app/bad-app/endpoint/bad-ep/msg'],
  ['get', '/api/v1/app/bad-app/msg/bad-msg/endpoint'],
  ['get', '/api/v1/operational-webhook/endpoint'],
  ['post', '/api/v1/operational-webhook/endpoint', { url: 'https://example.com/ops' }],
  ['get', '/api/v1/operational-webhook/endpoint/ops-ep'],
  ['put', '/api/v1/operational-webhook/endpoint/ops-ep', { url: 'https://example.com/ops' }],
  ['delete', '/api/v1/operational-webhook/endpoint/ops-ep'],
  ['get', '/api/v1/operational-webhook/endpoint/ops-ep/secret'],
  ['post', '/api/v1/operational-webhook/endpoint/ops-ep/secret/rotate', {}],
  ['get', '/api/v1/operational-webhook/endpoint/ops-ep/headers'],
  ['put', '/api/v1/operational-webhook/endpoint/ops-ep/headers', { headers: {} }],
];
const BODY_ROUTES = ROUTES.filter((r): r is readonly [Route[0], string, Record<string, unknown>] => r[2] !== undefined);
const LIST_ROUTES = [
  '/api/v1/app',
  '/api/v1/event-type',
  '/api/v1/app/bad-app/endpoint',
  '/api/v1/app/bad-app/msg',
  '/api/v1/app/bad-app/attempt/endpoint/bad-ep',
  '/api/v1/app/bad-app/attempt/msg/bad-msg',
  '/api/v1/app/bad-app/endpoint/bad-ep/msg',
  '/api/v1/app/bad-app/msg/bad-msg/endpoint',
  '/api/v1/operational-webhook/endpoint',
];

/** Sends a request and records its status, so the suite can assert none was a 5xx. */
async function send(method: Route[0], path: string, options: { body?: unknown; raw?: string; contentType?: string; auth?: Record<string, string> | null } = {}): Promise<Response> {
  let req = h.http()[method](path);
  if (options.auth !== null) req = req.set(options.auth ?? AUTH);
  if (options.contentType) req = req.set('content-type', options.contentType);
  const res = await (options.raw !== undefined ? req.send(options.raw) : options.body !== undefined ? req.send(options.body as object) : req);
  statuses.push(res.status);
  return res;
}

function expect422(res: Response, loc: (string | number)[]): void {
  expect(res.status).toBe(422);
  expect(res.body.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc, msg: expect.any(String), type: expect.any(String) })]));
}

beforeAll(async () => {
  h = await startApiHarness('api-bad-input', { MAX_PAYLOAD_BYTES: '2048' });
  await h.svix.application.create({ name: 'Bad input', uid: 'bad-app' });
  await h.svix.eventType.create({ name: 'bad.type', description: 'for the table' });
  // Disabled, so the engine delivers nothing in the background while the counts are compared.
  await h.svix.endpoint.create('bad-app', { url: 'https://example.com/hook', uid: 'bad-ep', disabled: true });
  await h.svix.message.create('bad-app', { eventType: 'bad.type', payload: {}, eventId: 'bad-msg' });
  await h.svix.operationalWebhookEndpoint.create({ url: 'https://example.com/ops', uid: 'ops-ep', disabled: true });
  before = await h.counts();
});
afterAll(async () => {
  await h?.close();
});

describe('bad input is answered with a Svix 4xx and changes nothing', () => {
  it('answers 401 on every operation without a token, with a wrong one, or with another scheme', async () => {
    for (const [method, path, body] of ROUTES) {
      for (const auth of [null, { authorization: 'Bearer wrong-token' }, { authorization: 'Basic Zm9vOmJhcg==' }, { authorization: 'Bearer' }]) {
        const res = await send(method, path, { body, auth });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.body).toEqual({ code: 'authentication_failed', detail: expect.any(String) });
      }
    }
  });

  it('answers 400 for malformed JSON and 422 for a non-object body on every operation that takes one', async () => {
    for (const [method, path] of BODY_ROUTES) {
      const malformed = await send(method, path, { raw: '{"name": "x",', contentType: 'application/json' });
      expect([path, malformed.status]).toEqual([path, 400]);
      expect(malformed.body).toEqual({ code: 'bad_request', detail: expect.any(String) });
      for (const raw of ['[1,2]', '"text"', '42', 'null']) {
        expect422(await send(method, path, { raw, contentType: 'application/json' }), ['body']);
      }
    }
  });

  it('answers 422 naming the field for unknown fields on every operation that takes a body', async () => {
    for (const [method, path, body] of BODY_ROUTES) {
      const res = await send(method, path, { body: { ...body, bogus: 1 } });
      expect422(res, ['body', 'bogus']);
      expect(res.body.detail[0].type).toBe('extra_forbidden');
    }
  });

  it('answers 422 for an absurd limit or a forged iterator on every list', async () => {
    for (const path of LIST_ROUTES) {
      for (const limit of ['0', '-1', '251', '100000', 'abc', '1.5', '']) {
        const res = await send('get', `${path}?limit=${limit}`);
        expect([path, limit, res.status]).toEqual([path, limit, 422]);
        expect422(res, ['query', 'limit']);
      }
      // (`msg_0000` and `--`, backwards from `-`, are well-formed event-type names, so fine cursors for that list.)
      const forged = ["app_'%3B--", '-', 'x'.repeat(400), '%00', 'a%20b', ...(path.endsWith('event-type') ? [] : ['msg_0000', '--'])];
      for (const iterator of forged) {
        const res = await send('get', `${path}?iterator=${iterator}`);
        expect([path, iterator, res.status]).toEqual([path, iterator, 422]);
        expect422(res, ['query', 'iterator']);
      }
      expect422(await send('get', `${path}?order=sideways`), ['query', 'order']);
      expect422(await send('get', `${path}?unknown_param=1`), ['query', 'unknown_param']);
    }
  });

  it.each<[string, Route[0], string, Record<string, unknown>, (string | number)[]]>([
    ['app name not a string', 'post', '/api/v1/app', { name: 5 }, ['body', 'name']],
    ['app name empty', 'post', '/api/v1/app', { name: '' }, ['body', 'name']],
    ['app name with a NUL', 'post', '/api/v1/app', { name: 'a\u0000b' }, ['body', 'name']],
    ['app uid with a space', 'post', '/api/v1/app', { name: 'x', uid: 'has space' }, ['body', 'uid']],
    ['app uid shaped like an id', 'post', '/api/v1/app', { name: 'x', uid: 'app_01KZZZZZZZZZZZZZZZZZZZZZZZ' }, ['body', 'uid']],
    ['app rateLimit 0', 'post', '/api/v1/app', { name: 'x', rateLimit: 0 }, ['body', 'rateLimit']],
    ['app throttleRate fractional', 'post', '/api/v1/app', { name: 'x', throttleRate: 1.5 }, ['body', 'throttleRate']],
    ['app metadata value not a string', 'post', '/api/v1/app', { name: 'x', metadata: { a: 1 } }, ['body', 'metadata']],
    ['app metadata null', 'patch', '/api/v1/app/bad-app', { metadata: null }, ['body', 'metadata']],
    ['app name null in a patch', 'patch', '/api/v1/app/bad-app', { name: null }, ['body', 'name']],
    ['event type name with a space', 'post', '/api/v1/event-type', { name: 'bad name', description: 'x' }, ['body', 'name']],
    ['event type description missing', 'post', '/api/v1/event-type', { name: 'ok.name' }, ['body', 'description']],
    ['event type schemas an array', 'post', '/api/v1/event-type', { name: 'ok.name', description: 'x', schemas: [1] }, ['body', 'schemas']],
    ['event type schemas with a NUL', 'post', '/api/v1/event-type', { name: 'ok.name', description: 'x', schemas: { '1': { k: '\u0000' } } }, ['body', 'schemas', '1', 'k']],
    ['event type archived a string', 'patch', '/api/v1/event-type/bad.type', { archived: 'yes' }, ['body', 'archived']],
    ['endpoint url a number', 'post', '/api/v1/app/bad-app/endpoint', { url: 5 }, ['body', 'url']],
    ['endpoint url missing', 'post', '/api/v1/app/bad-app/endpoint', {}, ['body', 'url']],
    ['endpoint filterTypes empty', 'post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com', filterTypes: [] }, ['body', 'filterTypes']],
    ['endpoint filterTypes unknown', 'post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com', filterTypes: ['no.such'] }, ['body', 'filterTypes']],
    ['endpoint 11 channels', 'post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com', channels: Array.from({ length: 11 }, (_, i) => `c${i}`) }, ['body', 'channels']],
    ['endpoint rateLimit negative', 'post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com', rateLimit: -1 }, ['body', 'rateLimit']],
    ['endpoint version 0', 'post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com', version: 0 }, ['body', 'version']],
    ['endpoint header value a number', 'post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com', headers: { 'x-a': 1 } }, ['body', 'headers']],
    ['endpoint header name invalid', 'put', '/api/v1/app/bad-app/endpoint/bad-ep/headers', { headers: { 'bad name': 'x' } }, ['body', 'headers', 'bad name']],
    ['endpoint header reserved', 'put', '/api/v1/app/bad-app/endpoint/bad-ep/headers', { headers: { 'webhook-signature': 'x' } }, ['body', 'headers', 'webhook-signature']],
    ['endpoint secret malformed', 'post', '/api/v1/app/bad-app/endpoint', { url: 'https://example.com', secret: 'not base64!' }, ['body', 'secret']],
    ['endpoint disabled a string', 'patch', '/api/v1/app/bad-app/endpoint/bad-ep', { disabled: 'no' }, ['body', 'disabled']],
    ['endpoint version null in a patch', 'patch', '/api/v1/app/bad-app/endpoint/bad-ep', { version: null }, ['body', 'version']],
    ['rotate with a negative grace period', 'post', '/api/v1/app/bad-app/endpoint/bad-ep/secret/rotate', { gracePeriodSeconds: -1 }, ['body', 'gracePeriodSeconds']],
    ['rotate with a key that is no secret', 'post', '/api/v1/app/bad-app/endpoint/bad-ep/secret/rotate', { key: 'short' }, ['body', 'key']],
    ['recover without since', 'post', '/api/v1/app/bad-app/endpoint/bad-ep/recover', {}, ['body', 'since']],
    ['recover since not a date', 'post', '/api/v1/app/bad-app/endpoint/bad-ep/recover', { since: 'yesterday' }, ['body', 'since']],
    ['recover since a number', 'post', '/api/v1/app/bad-app/endpoint/bad-ep/recover', { since: 1700000000 }, ['body', 'since']],
    ['send-example exampleIndex negative', 'post', '/api/v1/app/bad-app/endpoint/bad-ep/send-example', { eventType: 'svix.ping', exampleIndex: -1 }, ['body', 'exampleIndex']],
    ['message eventType with a space', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a b', payload: {} }, ['body', 'eventType']],
    ['message payload missing', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b' }, ['body', 'payload']],
    ['message payload a string', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: 'text' }, ['body', 'payload']],
    ['message payload an array', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: [1] }, ['body', 'payload']],
    ['message payload with a NUL', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: { s: 'a\u0000' } }, ['body', 'payload', 's']],
    ['message no channels', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: {}, channels: [] }, ['body', 'channels']],
    ['message 6 channels', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: {}, channels: ['a', 'b', 'c', 'd', 'e', 'f'] }, ['body', 'channels']],
    ['message tag with a space', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: {}, tags: ['bad tag'] }, ['body', 'tags']],
    ['message deliverAt not a date', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: {}, deliverAt: 'tomorrow' }, ['body', 'deliverAt']],
    ['message eventId with a space', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: {}, eventId: 'has space' }, ['body', 'eventId']],
    ['message retention out of range', 'post', '/api/v1/app/bad-app/msg', { eventType: 'a.b', payload: {}, payloadRetentionPeriod: 1 }, ['body', 'payloadRetentionPeriod']],
    ['message inline application invalid', 'post', '/api/v1/app/new-inline/msg', { eventType: 'a.b', payload: {}, application: { name: 5 } }, ['body', 'application', 'name']],
    ['message inline application unknown field', 'post', '/api/v1/app/new-inline/msg', { eventType: 'a.b', payload: {}, application: { name: 'x', extra: 1 } }, ['body', 'application', 'extra']],
    ['message inline application with another uid', 'post', '/api/v1/app/new-inline/msg', { eventType: 'a.b', payload: {}, application: { name: 'x', uid: 'other' } }, ['body', 'application', 'uid']],
    ['operational endpoint channels (not in its model)', 'post', '/api/v1/operational-webhook/endpoint', { url: 'https://example.com', channels: ['a'] }, ['body', 'channels']],
  ])('422 for %s', async (_label, method, path, body, loc) => {
    expect422(await send(method, path, { body }), loc);
  });

  it.each<[string, string, (string | number)[]]>([
    ['with_content not a boolean', '/api/v1/app/bad-app/msg?with_content=maybe', ['query', 'with_content']],
    ['before not a date', '/api/v1/app/bad-app/msg?before=yesterday', ['query', 'before']],
    ['event_types with a bad name', '/api/v1/app/bad-app/msg?event_types=a.b,bad%20name', ['query', 'event_types']],
    ['channel with a space', '/api/v1/app/bad-app/msg?channel=a%20b', ['query', 'channel']],
    ['status out of range', '/api/v1/app/bad-app/attempt/endpoint/bad-ep?status=9', ['query', 'status']],
    ['status_code_class not a class', '/api/v1/app/bad-app/attempt/msg/bad-msg?status_code_class=201', ['query', 'status_code_class']],
    ['endpoint_id with a NUL', '/api/v1/app/bad-app/attempt/msg/bad-msg?endpoint_id=%00', ['query', 'endpoint_id']],
    ['stats since not a date', '/api/v1/app/bad-app/endpoint/bad-ep/stats?since=x', ['query', 'since']],
    ['include_archived not a boolean', '/api/v1/event-type?include_archived=1', ['query', 'include_archived']],
    ['a NUL in a path id', '/api/v1/app/%00', ['path', 'app_id']],
    ['a space in a path uid', '/api/v1/app/bad-app/endpoint/has%20space', ['path', 'endpoint_id']],
    ['a path id of 300 characters', `/api/v1/app/${'a'.repeat(300)}`, ['path', 'app_id']],
    ['a path id of 5000 characters', `/api/v1/app/${'a'.repeat(5000)}/msg`, ['path', 'app_id']],
  ])('422 for %s', async (_label, path, loc) => {
    expect422(await send('get', path), loc);
  });

  it('answers 422 for query mistakes on writes too', async () => {
    expect422(await send('post', '/api/v1/app?get_if_exists=yes', { body: { name: 'x' } }), ['query', 'get_if_exists']);
    expect422(await send('delete', '/api/v1/event-type/bad.type?expunge=please'), ['query', 'expunge']);
    expect422(await send('put', '/api/v1/app/has%20space', { body: { name: 'x' } }), ['path', 'app_id']);
  });

  it.each([
    'ftp://example.com/hook',
    'not a url',
    'http://user:pass@example.com/hook',
    'javascript:alert(1)',
    '',
    '//example.com/hook',
    'https://exa mple.com/',
    'https://example.com/\u0000',
    `https://example.com/${'a'.repeat(2100)}`,
  ])('answers 422 for the endpoint URL %j on create, update, patch and operational create', async (url) => {
    expect422(await send('post', '/api/v1/app/bad-app/endpoint', { body: { url } }), ['body', 'url']);
    expect422(await send('put', '/api/v1/app/bad-app/endpoint/bad-ep', { body: { url } }), ['body', 'url']);
    expect422(await send('patch', '/api/v1/app/bad-app/endpoint/bad-ep', { body: { url } }), ['body', 'url']);
    expect422(await send('post', '/api/v1/operational-webhook/endpoint', { body: { url } }), ['body', 'url']);
  });

  it('answers 404 in Svix shape for unknown ids and uids everywhere', async () => {
    const unknown: Route[] = [
      ['get', '/api/v1/app/nope'],
      ['patch', '/api/v1/app/nope', { name: 'x' }],
      ['delete', '/api/v1/app/app_01KZZZZZZZZZZZZZZZZZZZZZZZ'],
      ['get', '/api/v1/event-type/no.such'],
      ['patch', '/api/v1/event-type/no.such', { description: 'x' }],
      ['delete', '/api/v1/event-type/no.such'],
      ['get', '/api/v1/app/nope/endpoint'],
      ['post', '/api/v1/app/nope/endpoint', { url: 'https://example.com' }],
      ['get', '/api/v1/app/bad-app/endpoint/nope'],
      ['patch', '/api/v1/app/bad-app/endpoint/nope', { description: 'x' }],
      ['delete', '/api/v1/app/bad-app/endpoint/nope'],
      ['get', '/api/v1/app/bad-app/endpoint/nope/secret'],
      ['post', '/api/v1/app/bad-app/endpoint/nope/secret/rotate', {}],
      ['get', '/api/v1/app/bad-app/endpoint/nope/headers'],
      ['put', '/api/v1/app/bad-app/endpoint/nope/headers', { headers: {} }],
      ['patch', '/api/v1/app/bad-app/endpoint/nope/headers', { headers: {} }],
      ['post', '/api/v1/app/bad-app/endpoint/nope/recover', { since: SINCE }],
      ['post', '/api/v1/app/bad-app/endpoint/nope/send-example', { eventType: 'svix.ping' }],
      ['post', '/api/v1/app/bad-app/endpoint/bad-ep/send-example', { eventType: 'no.such' }],
      ['get', '/api/v1/app/bad-app/endpoint/nope/stats'],
      ['get', '/api/v1/app/nope/msg'],
      ['post', '/api/v1/app/nope/msg', { eventType: 'a.b', payload: {} }],
      ['get', '/api/v1/app/bad-app/msg/nope'],
      ['get', '/api/v1/app/bad-app/attempt/endpoint/nope'],
      ['get', '/api/v1/app/bad-app/attempt/msg/nope'],
      ['get', `/api/v1/app/bad-app/msg/bad-msg/attempt/${UNKNOWN_ATTEMPT}`],
      ['post', '/api/v1/app/bad-app/msg/nope/endpoint/bad-ep/resend'],
      ['post', '/api/v1/app/bad-app/msg/bad-msg/endpoint/nope/resend'],
      ['get', '/api/v1/app/bad-app/endpoint/nope/msg'],
      ['get', '/api/v1/app/bad-app/msg/nope/endpoint'],
      ['get', '/api/v1/operational-webhook/endpoint/nope'],
      ['put', '/api/v1/operational-webhook/endpoint/nope', { url: 'https://example.com' }],
      ['delete', '/api/v1/operational-webhook/endpoint/nope'],
      ['get', '/api/v1/operational-webhook/endpoint/nope/secret'],
      ['post', '/api/v1/operational-webhook/endpoint/nope/secret/rotate', {}],
      ['get', '/api/v1/operational-webhook/endpoint/nope/headers'],
      ['put', '/api/v1/operational-webhook/endpoint/nope/headers', { headers: {} }],
    ];
    for (const [method, path, body] of unknown) {
      const res = await send(method, path, { body });
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body).toEqual({ code: 'not_found', detail: expect.any(String) });
    }
  });

  it('answers 413 for bodies over the limit, and 422 for JSON nested too deep', async () => {
    const big = await send('post', '/api/v1/app', { raw: JSON.stringify({ name: 'x', metadata: { a: 'x'.repeat(200_000) } }), contentType: 'application/json' });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ code: 'payload_too_large', detail: expect.any(String) });
    const payload = await send('post', '/api/v1/app/bad-app/msg', { body: { eventType: 'a.b', payload: { a: 'x'.repeat(3000) } } });
    expect(payload.status).toBe(413);
    for (const depth of [129, 5_000, 10_000]) {
      const deep = `{"eventType":"a.b","payload":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      expect422(await send('post', '/api/v1/app/bad-app/msg', { raw: deep, contentType: 'application/json' }), ['body']);
      expect422(await send('post', '/api/v1/app/bad-app/msg', { raw: `{"eventType":"a.b","payload":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`, contentType: 'application/json' }), ['body']);
    }
  });

  it('answers other content types with a 4xx, never parsing them as a message', async () => {
    const xml = await send('post', '/api/v1/app', { raw: '<app/>', contentType: 'application/xml' });
    expect(xml.status).toBe(415);
    expect(xml.body).toEqual({ code: 'unsupported_media_type', detail: expect.any(String) });
    expect422(await send('post', '/api/v1/app/bad-app/msg', { raw: 'eventType=a.b&payload=x', contentType: 'application/x-www-form-urlencoded' }), ['body', 'payload']);
  });

  it('never answered a 5xx, and the database is as it was', async () => {
    expect(statuses.length).toBeGreaterThan(400);
    expect(statuses.filter((s) => s < 400 || s >= 500)).toEqual([]);
    expect(await h.counts()).toEqual(before);
  });
});
