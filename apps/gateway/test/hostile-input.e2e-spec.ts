// Hostile input at the ingest URL: every case gets a clear 4xx, nothing crashes, the process keeps answering.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { InboundOutcome } from '@switchyard/db';
import { createSource, deliver, type CreatedSource } from './support/ingest.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { startTestGateway, type TestGateway } from './support/test-app.js';

const MAX = 64 * 1024;
let t: TestGateway;
let generic: CreatedSource;
let github: CreatedSource;

beforeAll(async () => {
  t = await startTestGateway('hostile', { MAX_BODY_BYTES: String(MAX) });
  generic = await createSource(t, 'generic-webhook', {});
  github = await createSource(t, 'github', { secret: 'gh' });
});
afterAll(async () => {
  await t?.close();
});

function signedGithub(body: string | Buffer, contentType = 'application/json') {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body);
  return {
    'content-type': contentType,
    'x-github-event': 'push',
    'x-github-delivery': `d-${Math.random()}`,
    'x-hub-signature-256': `sha256=${Buffer.from(nobleHmac(sha256, new TextEncoder().encode('gh'), bytes)).toString('hex')}`,
  };
}

/** A raw request, for what fetch refuses to send (huge header counts and sizes). */
function raw(path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  const url = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function healthy() {
  const res = await fetch(`${t.baseUrl}/api/v1/health`);
  expect(res.status).toBe(204);
}

describe('body sizes', () => {
  it('a 0-byte body is verified like any other (refused unsigned, accepted by generic-webhook)', async () => {
    expect((await deliver(t, github.ingestUrl, { headers: {}, body: '' })).status).toBe(401);
    const ok = await raw(new URL(t.localUrl(generic.ingestUrl)).pathname, {}, '');
    expect(ok.status).toBe(200);
    const message = (await t.messages(generic.appId)).at(-1)!;
    expect(JSON.parse(message.payload!)).toMatchObject({ type: 'generic-webhook.event', datacontenttype: 'application/octet-stream', data_base64: '' });
    expect((await t.requests(generic.id)).at(-1)).toMatchObject({ bodySize: 0, outcome: InboundOutcome.Accepted });
  });

  it('exactly MAX_BODY_BYTES is accepted; one byte over is 413, logged, and nothing is published', async () => {
    const exact = Buffer.alloc(MAX, 0x61);
    const ok = await deliver(t, generic.ingestUrl, { headers: { 'content-type': 'application/octet-stream' }, body: exact as unknown as string });
    expect(ok.status).toBe(200);
    expect((await t.requests(generic.id)).at(-1)!.bodySize).toBe(MAX);

    const before = (await t.messages(generic.appId)).length;
    for (const contentType of ['application/octet-stream', 'application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
      const over = await deliver(t, generic.ingestUrl, { headers: { 'content-type': contentType }, body: Buffer.alloc(MAX + 1, 0x61) as unknown as string });
      expect({ contentType, status: over.status, body: over.json() }).toEqual({ contentType, status: 413, body: { code: 'payload_too_large', detail: expect.any(String) } });
    }
    expect(await t.messages(generic.appId)).toHaveLength(before);
    expect((await t.requests(generic.id)).at(-1)).toMatchObject({ outcome: InboundOutcome.Rejected, reason: 'payload_too_large', responseStatus: 413 });
    await healthy();
  });
});

describe('bodies the parsers would choke on keep their exact bytes', () => {
  it('malformed JSON, signed: verified, then refused as invalid_payload (400) and logged byte-exact', async () => {
    const body = '{"action": "opened", ';
    const res = await deliver(t, github.ingestUrl, { headers: signedGithub(body), body });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_payload' });
    expect((await t.requests(github.id)).at(-1)!.body.toString()).toBe(body);
  });

  it('invalid UTF-8 as JSON: 400 invalid_payload; as octet-stream to a generic source: accepted as data_base64', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0x22, 0x7d]);
    const res = await fetch(t.localUrl(github.ingestUrl), { method: 'POST', headers: signedGithub(bytes), body: bytes });
    expect(res.status).toBe(400);
    const logged = (await t.requests(github.id)).at(-1)!;
    expect(Buffer.compare(logged.body, bytes)).toBe(0);

    const generic2 = await fetch(t.localUrl(generic.ingestUrl), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(generic2.status).toBe(200);
    const event = JSON.parse((await t.messages(generic.appId)).at(-1)!.payload!) as { data_base64: string };
    expect(Buffer.from(event.data_base64, 'base64')).toEqual(bytes);
  });

  it('deeply nested JSON (30,000 levels) is refused with 400, not a stack overflow', async () => {
    const body = '['.repeat(30_000) + ']'.repeat(30_000);
    const res = await deliver(t, generic.ingestUrl, { headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_payload' });
    await healthy();
  });

  it('JSON with __proto__ keys is kept as data, not refused by a parser and not merged into prototypes', async () => {
    const body = '{"__proto__":{"polluted":true},"type":"x.y","id":"p1"}';
    const res = await deliver(t, generic.ingestUrl, { headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('odd and missing content types reach the verifier with their bytes', async () => {
    for (const contentType of [undefined, 'application/xml', 'text/plain; charset=latin1', 'multipart/form-data; boundary=x', 'application/vnd.custom+json']) {
      const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
      const body = contentType?.endsWith('json') ? '{"type":"custom"}' : `<a>${contentType}</a>`;
      const res = await raw(new URL(t.localUrl(generic.ingestUrl)).pathname, headers, body);
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 200 });
      expect((await t.requests(generic.id)).at(-1)!.body.toString()).toBe(body);
    }
  });

  it('a content type that is not a media type at all is a logged 415', async () => {
    for (const contentType of ['garbage', ';;;']) {
      const res = await raw(new URL(t.localUrl(generic.ingestUrl)).pathname, { 'content-type': contentType }, 'x');
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 415 });
      expect((await t.requests(generic.id)).at(-1)).toMatchObject({ reason: 'unsupported_media_type', responseStatus: 415 });
    }
    await healthy();
  });
});

describe('headers', () => {
  it('1,000 headers: answered (401 here, as unsigned), stored, process fine', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) headers[`x-h-${i}`] = 'v';
    const res = await raw(new URL(t.localUrl(github.ingestUrl)).pathname, headers, '{}');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'missing_header' });
    const logged = (await t.requests(github.id)).at(-1)!;
    expect(Object.keys(logged.headers).length).toBeGreaterThanOrEqual(1000);
    await healthy();
  });

  it('a 64 KB header is refused by Node with 431 before any work, and the process keeps answering', async () => {
    const res = await raw(new URL(t.localUrl(github.ingestUrl)).pathname, { 'x-big': 'a'.repeat(64 * 1024) }, '{}');
    expect(res.status).toBe(431);
    await healthy();
  });

  it('a repeated signature header is malformed, an oversized one too', async () => {
    const r1 = await raw(new URL(t.localUrl(github.ingestUrl)).pathname, { 'x-hub-signature-256': `sha256=${'a'.repeat(9000)}` }, '{}');
    expect(r1.status).toBe(401);
    expect(JSON.parse(r1.text)).toMatchObject({ code: 'malformed' });
  });
});

describe('tokens', () => {
  it('unknown, malformed and enormous tokens are 404 and log nothing', async () => {
    const before = (await t.requests(generic.id)).length + (await t.requests(github.id)).length;
    for (const [token, status] of [
      ['nope', 404],
      ['A'.repeat(32), 404],
      ['%00', 404],
      ['..%2f..%2fetc%2fpasswd', 404],
      ['x'.repeat(2000), 404],
    ] as const) {
      const res = await fetch(`${t.baseUrl}/in/${token}`, { method: 'POST', body: '{}' });
      expect({ token: token.slice(0, 20), status: res.status }).toEqual({ token: token.slice(0, 20), status });
    }
    expect((await t.requests(generic.id)).length + (await t.requests(github.id)).length).toBe(before);
    await healthy();
  });

  it('many requests in parallel, good and bad, all answered', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0
          ? deliver(t, generic.ingestUrl, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `par-${i}`, type: 'p' }) })
          : deliver(t, github.ingestUrl, { headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' }, body: '{}' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([...Array(30).fill(200), ...Array(30).fill(401)]);
    await healthy();
  });
});
