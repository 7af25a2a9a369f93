// The management API authenticates before it reads a body, and has a body limit of its own
// (API_MAX_BODY_BYTES), apart from the ingress's MAX_BODY_BYTES.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { answerBeforeBody, nestedJson } from '@switchyard/api-kit/testing';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';

const MiB = 1024 * 1024;
const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** Sends `body` chunked (no content-length), so only counting what arrives can enforce a limit. */
function postChunked(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}

describe('gateway management API: authentication before the body, and its own body limit', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway('api-limits');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has the defaults: 1 MiB for the API, 5 MiB for the ingress', () => {
    expect(t.settings.apiMaxBodyBytes).toBe(MiB);
    expect(t.settings.maxBodyBytes).toBe(5 * MiB);
  });

  it('answers an unauthenticated body of nested JSON 401 while most of it is still unsent, within the limit or over it', async () => {
    // Within the limit the body parser would wait for all of it; over it (4 MiB, the report's case)
    // it would answer 413: a 401 either way says the token was checked before anything else.
    for (const body of [nestedJson(MiB), nestedJson(4 * MiB)]) await unauthenticatedCases(body);
  });

  async function unauthenticatedCases(body: Buffer): Promise<void> {
    const cases: [string, Record<string, string>][] = [
      ['/ingest/api/v1/source', {}],
      ['/ingest/api/v1/source', { authorization: 'Bearer wrong-token' }],
      ['/ingest/api/v1/source', { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString('base64')}` }],
      // percent-encoding routes to the same handler, and is authenticated the same
      ['/ingest/api/v1/%73ource', {}],
      ['/ingest/%61pi/v1/source/src_x/endpoint', {}],
    ];
    for (const [path, headers] of cases) {
      const answer = await answerBeforeBody(`${t.baseUrl}${path}`, { body, sendBytes: 64 * 1024, headers });
      expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 401, body: { code: 'authentication_failed', detail: expect.any(String) } });
      expect(answer.bytesSent).toBeLessThan(answer.bytesDeclared);
    }
    // and the server is fine afterwards
    expect((await fetch(`${t.baseUrl}/ingest/api/v1/source`, { headers: AUTH })).status).toBe(200);
  }

  it('answers a path that matches no route 404 without reading its body', async () => {
    const answer = await answerBeforeBody(`${t.baseUrl}/ingest/api/v1/no-such-thing`, { body: nestedJson(MiB), sendBytes: 64 * 1024 });
    expect(answer).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('answers an authenticated body over API_MAX_BODY_BYTES 413 in Svix shape, declared or chunked', async () => {
    const over = Buffer.from(JSON.stringify({ name: 'big', type: 'github', metadata: { pad: 'x'.repeat(MiB) } }));
    const declared = await answerBeforeBody(`${t.baseUrl}/ingest/api/v1/source`, { body: over, sendBytes: 1024, headers: AUTH });
    expect(declared).toMatchObject({ status: 413, body: { code: 'payload_too_large', detail: `request body is larger than ${MiB} bytes` } });
    const chunked = await postChunked(`${t.baseUrl}/ingest/api/v1/source`, over, AUTH);
    expect(chunked).toEqual({ status: 413, body: { code: 'payload_too_large', detail: `request body is larger than ${MiB} bytes` } });
  });

  it('parses an authenticated body up to the limit', async () => {
    const prefix = '{"name":"at-limit","type":"github","config":{"secret":"s"},"metadata":{"pad":"';
    const suffix = '"}}';
    const body = `${prefix}${'x'.repeat(MiB - prefix.length - suffix.length)}${suffix}`;
    expect(Buffer.byteLength(body)).toBe(MiB);
    const res = await fetch(`${t.baseUrl}/ingest/api/v1/source`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body });
    // parsed and validated (metadata values are bounded), not refused by the body limit
    expect(res.status).not.toBe(413);
    expect(res.status).toBeLessThan(500);
  });

  it('keeps MAX_BODY_BYTES, not the API limit, for the ingress', async () => {
    const source = await t.svix.ingest.source.create({ name: 'limits', type: 'github', config: { secret: 'limits-secret' } });
    const res = await fetch(t.localUrl(source.ingestUrl!), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2 * MiB) }) });
    // read whole and verified: unsigned, so 401 from the verifier, not 413
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('missing_header');
  });
});
