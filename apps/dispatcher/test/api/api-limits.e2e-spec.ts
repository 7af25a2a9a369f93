// The API authenticates before it reads a body, and its body limit (API_MAX_BODY_BYTES) leaves
// room for a message whose payload is MAX_PAYLOAD_BYTES.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { answerBeforeBody, nestedJson } from '@switchyard/api-kit/testing';
import { MessageEntity } from '@switchyard/db';
import { loadDispatcherSettings, MESSAGE_ENVELOPE_BYTES } from '../../src/config/dispatcher-settings.js';
import { TEST_ADMIN_KEY } from '../support/test-app.js';
import { AUTH, startApiHarness, type ApiHarness } from './harness.js';

const MiB = 1024 * 1024;

describe('API_MAX_BODY_BYTES follows MAX_PAYLOAD_BYTES', () => {
  it('defaults to MAX_PAYLOAD_BYTES + the message envelope, and refuses less', () => {
    expect(loadDispatcherSettings({}).apiMaxBodyBytes).toBe(MiB + MESSAGE_ENVELOPE_BYTES);
    expect(loadDispatcherSettings({ MAX_PAYLOAD_BYTES: String(4 * MiB) }).apiMaxBodyBytes).toBe(4 * MiB + MESSAGE_ENVELOPE_BYTES);
    expect(loadDispatcherSettings({ API_MAX_BODY_BYTES: String(8 * MiB) }).apiMaxBodyBytes).toBe(8 * MiB);
    expect(() => loadDispatcherSettings({ API_MAX_BODY_BYTES: String(MiB) })).toThrow(/API_MAX_BODY_BYTES must be at least MAX_PAYLOAD_BYTES \+ 65536/);
  });
});

describe('dispatcher API: authentication before the body, and its own body limit', () => {
  let h: ApiHarness;
  let limit: number;
  beforeAll(async () => {
    h = await startApiHarness('api-limits');
    limit = h.settings.apiMaxBodyBytes;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers an unauthenticated body of nested JSON 401 while most of it is still unsent, within the limit or over it', async () => {
    const paths = ['/api/v1/app', '/api/v1/app/app_x/msg', '/api/v1/app/app_x/endpoint/ep_x/recover', '/%61pi/v1/app', '/api/v1/%61pp/app_x/msg'];
    for (const body of [nestedJson(limit), nestedJson(4 * MiB)]) {
      for (const [path, headers] of paths.flatMap((p): [string, Record<string, string>][] => [
        [p, {}],
        [p, { authorization: 'Bearer not-the-key-at-all' }],
      ])) {
        const answer = await answerBeforeBody(`${h.baseUrl}${path}`, { body, sendBytes: 64 * 1024, headers });
        expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 401, body: { code: 'authentication_failed', detail: expect.any(String) } });
        expect(answer.bytesSent).toBeLessThan(answer.bytesDeclared);
      }
    }
    expect((await h.http().get('/api/v1/app').set(AUTH)).status).toBe(200);
  });

  it('answers a path that matches no route 404 without reading its body', async () => {
    const answer = await answerBeforeBody(`${h.baseUrl}/api/v1/no-such-route`, { body: nestedJson(limit), sendBytes: 64 * 1024 });
    expect(answer).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('takes a message whose payload is MAX_PAYLOAD_BYTES, with every envelope field set', async () => {
    const appId = (await h.svix.application.create({ name: 'limits', uid: 'limits-app' })).id;
    const head = '{"pad":"';
    const payload = `${head}${'x'.repeat(h.settings.maxPayloadBytes - head.length - 2)}"}`;
    expect(Buffer.byteLength(payload)).toBe(h.settings.maxPayloadBytes);
    const body = JSON.stringify({
      eventType: 'limits.largest',
      eventId: 'largest-payload',
      channels: ['c1', 'c2', 'c3', 'c4', 'c5'].map((c) => c.padEnd(128, 'c')),
      tags: ['t1', 't2', 't3', 't4', 't5'].map((t) => t.padEnd(128, 't')),
      application: { name: 'limits', uid: 'limits-app' },
      payloadRetentionPeriod: 90,
    }).replace(/^\{/, `{"payload":${payload},`);
    const res = await fetch(`${h.baseUrl}/api/v1/app/${appId}/msg`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect((await h.ds.getRepository(MessageEntity).findOneByOrFail({ id })).payload).toBe(payload);
  });

  it('answers an authenticated body over API_MAX_BODY_BYTES 413 in Svix shape before reading it', async () => {
    const over = Buffer.from(JSON.stringify({ eventType: 'a.b', payload: { pad: 'x'.repeat(limit) } }));
    const answer = await answerBeforeBody(`${h.baseUrl}/api/v1/app/app_x/msg`, { body: over, sendBytes: 1024, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(answer).toMatchObject({ status: 413, body: { code: 'payload_too_large', detail: `request body is larger than ${limit} bytes` } });
  });
});
