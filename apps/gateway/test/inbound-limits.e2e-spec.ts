// Limits of inbound requests beyond MAX_BODY_BYTES: the event the gateway publishes has a cap of its
// own (MAX_EVENT_BYTES), and a request it does not accept keeps only the start of its body in the
// request log (REJECTED_BODY_BYTES), with the whole size recorded.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { answerBeforeBody } from '@switchyard/api-kit/testing';
import { InboundOutcome } from '@switchyard/db';
import { defaultMaxEventBytes, loadGatewaySettings } from '../src/config/gateway-settings.js';
import { createSource, deliver, type CreatedSource } from './support/ingest.js';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

interface LoggedRequest {
  id: string;
  outcome: string;
  reason: string | null;
  responseStatus: number;
  bodySize: number;
  bodyTruncated: boolean;
  bodyBase64?: string;
}

async function requestLog(t: TestGateway, sourceId: string): Promise<LoggedRequest[]> {
  const res = await fetch(`${t.baseUrl}/ingest/api/v1/source/${sourceId}/request?limit=250`, { headers: AUTH });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: LoggedRequest[] }).data;
}

async function logged(t: TestGateway, sourceId: string, requestId: string): Promise<LoggedRequest> {
  const res = await fetch(`${t.baseUrl}/ingest/api/v1/source/${sourceId}/request/${requestId}`, { headers: AUTH });
  expect(res.status).toBe(200);
  return (await res.json()) as LoggedRequest;
}

describe('inbound limits: settings', () => {
  it('defaults MAX_EVENT_BYTES to what a MAX_BODY_BYTES body can become (base64 and the envelope), and REJECTED_BODY_BYTES to 64 KiB', () => {
    const s = loadGatewaySettings({});
    expect(s.maxEventBytes).toBe(Math.ceil((5 * MiB * 4) / 3) + 64 * KiB);
    expect(s.rejectedBodyBytes).toBe(64 * KiB);
    expect(loadGatewaySettings({ MAX_BODY_BYTES: String(MiB) }).maxEventBytes).toBe(defaultMaxEventBytes(MiB));
    expect(loadGatewaySettings({ MAX_EVENT_BYTES: '2048', REJECTED_BODY_BYTES: '0' })).toMatchObject({ maxEventBytes: 2048, rejectedBodyBytes: 0 });
    expect(() => loadGatewaySettings({ MAX_EVENT_BYTES: '10', REJECTED_BODY_BYTES: '-1' })).toThrow(/MAX_EVENT_BYTES[\s\S]*REJECTED_BODY_BYTES/);
  });
});

describe('MAX_EVENT_BYTES: the cap on the event the gateway publishes', () => {
  const CAP = 32 * KiB;
  let t: TestGateway;
  let generic: CreatedSource;
  beforeAll(async () => {
    t = await startTestGateway('event-cap', { MAX_EVENT_BYTES: String(CAP), REJECTED_BODY_BYTES: String(4 * KiB) });
    generic = await createSource(t, 'generic-webhook', {});
  });
  afterAll(async () => {
    await t?.close();
  });

  it('publishes an event under the cap', async () => {
    const res = await deliver(t, generic.ingestUrl, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'order.paid', pad: 'x'.repeat(CAP - 2 * KiB) }) });
    expect(res.status).toBe(200);
    const message = (await t.messages(generic.appId)).at(-1)!;
    expect(Buffer.byteLength(message.payload!)).toBeLessThanOrEqual(CAP);
    expect(JSON.parse(message.payload!)).toMatchObject({ type: 'generic-webhook.order.paid' });
  });

  it('answers 413 when the event would pass the cap, logs the request as rejected and publishes nothing, though the body itself was smaller', async () => {
    const before = (await t.messages(generic.appId)).length;
    const cases: [string, string][] = [
      // over the cap as it came
      ['application/json', JSON.stringify({ type: 'order.paid', pad: 'x'.repeat(CAP) })],
      // 20 KiB of text is 40 KiB as a JSON string: the event, not the body, is what is capped
      ['text/plain', '"'.repeat(20 * KiB)],
      // numbers written short grow when the parsed payload is written again as JSON
      ['application/json', `[${Array.from({ length: 6 * KiB }, () => '1e9').join(',')}]`],
    ];
    for (const [contentType, body] of cases) {
      if (contentType !== 'application/json' || body.startsWith('[')) expect(Buffer.byteLength(body)).toBeLessThan(CAP);
      const res = await deliver(t, generic.ingestUrl, { headers: { 'content-type': contentType }, body });
      expect({ contentType, status: res.status, body: res.json() }).toEqual({
        contentType,
        status: 413,
        body: { code: 'payload_too_large', detail: expect.stringMatching(new RegExp(`^the event built from this request is \\d+ bytes; the limit is ${CAP} bytes$`)) },
      });
      const [row] = await requestLog(t, generic.id);
      expect(row).toMatchObject({ outcome: InboundOutcome.Rejected, reason: 'event_too_large', responseStatus: 413, bodySize: Buffer.byteLength(body) });
    }
    expect(await t.messages(generic.appId)).toHaveLength(before);
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM inbound_requests WHERE source_id = $1 AND outcome = 'accepted'`, [generic.id])).toEqual([{ n: 1 }]);
  });
});

describe('REJECTED_BODY_BYTES: what the request log keeps of a request it did not accept', () => {
  let t: TestGateway;
  let github: CreatedSource;
  let generic: CreatedSource;
  beforeAll(async () => {
    // the defaults: MAX_BODY_BYTES 5 MiB, REJECTED_BODY_BYTES 64 KiB
    t = await startTestGateway('rejected-body');
    github = await createSource(t, 'github', { secret: 'rejected-body-secret' });
    generic = await createSource(t, 'generic-webhook', {});
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the first 64 KiB of a rejected 5 MiB body, records its whole size, and says so in the API', async () => {
    const body = Buffer.alloc(5 * MiB);
    for (let i = 0; i < body.length; i++) body[i] = 0x61 + (i % 26);
    const res = await fetch(t.localUrl(github.ingestUrl), { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push' }, body });
    expect(res.status).toBe(401);

    const [stored] = await t.requests(github.id);
    expect(stored).toMatchObject({ outcome: InboundOutcome.Rejected, reason: 'missing_header', bodySize: 5 * MiB });
    expect(stored!.body.length).toBe(64 * KiB);
    expect(Buffer.compare(stored!.body, body.subarray(0, 64 * KiB))).toBe(0);

    const [listed] = await requestLog(t, github.id);
    expect(listed).toMatchObject({ id: stored!.id, bodySize: 5 * MiB, bodyTruncated: true });
    const one = await logged(t, github.id, stored!.id);
    expect(one).toMatchObject({ bodySize: 5 * MiB, bodyTruncated: true });
    expect(Buffer.compare(Buffer.from(one.bodyBase64!, 'base64'), body.subarray(0, 64 * KiB))).toBe(0);
  });

  it('keeps a small rejected body whole, and an accepted body whole whatever its size', async () => {
    const small = '{"action":"opened"}';
    expect((await deliver(t, github.ingestUrl, { headers: { 'content-type': 'application/json' }, body: small })).status).toBe(401);
    const [rejected] = await requestLog(t, github.id);
    expect(rejected).toMatchObject({ bodySize: small.length, bodyTruncated: false });
    expect(Buffer.from((await logged(t, github.id, rejected!.id)).bodyBase64!, 'base64').toString()).toBe(small);

    const big = JSON.stringify({ type: 'big', pad: 'y'.repeat(MiB) });
    expect((await deliver(t, generic.ingestUrl, { headers: { 'content-type': 'application/json' }, body: big })).status).toBe(200);
    const [accepted] = await requestLog(t, generic.id);
    expect(accepted).toMatchObject({ outcome: InboundOutcome.Accepted, bodySize: big.length, bodyTruncated: false });
    expect(Buffer.from((await logged(t, generic.id, accepted!.id)).bodyBase64!, 'base64').toString()).toBe(big);
  });
});

describe('an unknown ingest token is answered before the body is read', () => {
  let t: TestGateway;
  let source: CreatedSource;

  beforeAll(async () => {
    t = await startTestGateway('unknown-token');
    source = await createSource(t, 'generic-webhook', {});
  });
  afterAll(async () => {
    await t?.close();
  });

  it('404 while most of a 4 MiB body is still unsent; a known token still reads the whole body', async () => {
    const body = Buffer.alloc(4 * MiB, 0x20);
    const unknown = await answerBeforeBody(`${t.baseUrl}/in/${'x'.repeat(32)}`, { body, sendBytes: 64 * KiB });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 'not_found', detail: 'no source has this ingest URL' });
    expect(unknown.bytesSent).toBeLessThan(unknown.bytesDeclared);
    // A known token waits for the body: the same partial send gets no answer.
    await expect(answerBeforeBody(t.localUrl(source.ingestUrl), { body, sendBytes: 64 * KiB, waitMs: 1_000 })).rejects.toThrow(/no answer within/);
    const whole = await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json' }, body: '{"type":"order.paid"}' });
    expect(whole.status).toBe(200);
  });
});
