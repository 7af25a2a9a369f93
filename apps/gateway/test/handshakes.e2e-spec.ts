// Provider handshakes and scheme details: each answered as the provider requires, nothing published.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { InboundOutcome } from '@switchyard/db';
import { createSource, deliver } from './support/ingest.js';
import { noble, zoomReceive } from './support/providers.js';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';

const require = createRequire(import.meta.url);
const twilioLib = require('twilio') as {
  getExpectedTwilioSignature(token: string, url: string, params: Record<string, string>): string;
  validateRequestWithBody(token: string, sig: string, url: string, body: string): boolean;
  getExpectedBodyHash(body: string): string;
};
const nacl = require('tweetnacl');
const { Signature: HubspotSignature } = require('@hubspot/api-client');

let t: TestGateway;
const nowS = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  t = await startTestGateway('handshakes');
});
afterAll(async () => {
  await t?.close();
});

describe('Slack url_verification', () => {
  it('answers the signed challenge and publishes nothing', async () => {
    const source = await createSource(t, 'slack', { secret: 'slack-secret' });
    const ts = String(nowS());
    const body = JSON.stringify({ token: 'x', challenge: 'chal-123', type: 'url_verification' });
    const res = await deliver(t, source.ingestUrl, {
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${noble.hex(noble.sha256, 'slack-secret', `v0:${ts}:`, body)}` },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ challenge: 'chal-123' });
    expect(await t.messages(source.appId)).toHaveLength(0);
    expect((await t.requests(source.id)).at(-1)).toMatchObject({ outcome: InboundOutcome.Handshake, responseStatus: 200 });
  });

  it('refuses an unsigned challenge', async () => {
    const source = await createSource(t, 'slack', { secret: 'slack-secret' });
    const res = await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json' }, body: '{"type":"url_verification","challenge":"x"}' });
    expect(res.status).toBe(401);
  });
});

describe('Zoom endpoint.url_validation', () => {
  it('answers plainToken and the encryptedToken Zoom’s own library computes', async () => {
    const source = await createSource(t, 'zoom', { secret: 'zoom-secret-token' });
    const ts = String(nowS());
    const body = JSON.stringify({ payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: Date.now(), event: 'endpoint.url_validation' });
    const d = { headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': ts, 'x-zm-signature': `v0=${noble.hex(noble.sha256, 'zoom-secret-token', `v0:${ts}:`, body)}` }, body };
    const oracle = await zoomReceive(d);
    expect(oracle.statusCode).toBe(200);
    const res = await deliver(t, source.ingestUrl, d);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual(JSON.parse(oracle.body));
    expect(await t.messages(source.appId)).toHaveLength(0);
  });
});

describe('Meta hub.challenge (GET)', () => {
  it('echoes the challenge when the verify token matches, refuses it otherwise, and redacts the token in the log', async () => {
    const source = await createSource(t, 'meta', { secret: 'meta-secret', verifyToken: 'verify-me' });
    const ok = await deliver(t, source.ingestUrl, { method: 'GET', headers: {}, body: '', search: '?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('1158201444');
    const logged = (await t.requests(source.id)).at(-1)!;
    expect(logged).toMatchObject({ outcome: InboundOutcome.Handshake, method: 'GET' });
    expect(logged.url).not.toContain('verify-me');
    expect(logged.url).not.toContain(source.ingestUrl.split('/in/')[1]);

    const bad = await deliver(t, source.ingestUrl, { method: 'GET', headers: {}, body: '', search: '?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1' });
    expect(bad.status).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'bad_signature' });
    const missing = await deliver(t, source.ingestUrl, { method: 'GET', headers: {}, body: '' });
    expect(missing.status).toBe(401);
    expect(await t.messages(source.appId)).toHaveLength(0);
  });

  it('GET is 405 for providers that only POST', async () => {
    const source = await createSource(t, 'github', { secret: 's' });
    const res = await deliver(t, source.ingestUrl, { method: 'GET', headers: {}, body: '' });
    expect(res.status).toBe(405);
    expect(res.json()).toMatchObject({ code: 'method_not_allowed' });
    expect((await t.requests(source.id)).at(-1)).toMatchObject({ reason: 'method_not_allowed', responseStatus: 405 });
  });
});

describe('Discord PING', () => {
  const keys = nacl.sign.keyPair();
  const publicKey = Buffer.from(keys.publicKey).toString('hex');
  const signed = (body: string) => {
    const ts = String(nowS());
    return {
      headers: { 'content-type': 'application/json', 'x-signature-timestamp': ts, 'x-signature-ed25519': Buffer.from(nacl.sign.detached(Buffer.from(ts + body), keys.secretKey)).toString('hex') },
      body,
    };
  };

  it('answers an interactions PING with {"type":1} and a webhook-events PING with 204', async () => {
    const source = await createSource(t, 'discord', { publicKey });
    const ping = await deliver(t, source.ingestUrl, signed(JSON.stringify({ id: '1', application_id: 'A', type: 1, token: 'tok', version: 1 })));
    expect(ping.status).toBe(200);
    expect(ping.json()).toEqual({ type: 1 });
    const eventPing = await deliver(t, source.ingestUrl, signed(JSON.stringify({ version: 1, application_id: 'A', type: 0 })));
    expect(eventPing.status).toBe(204);
    const event = await deliver(
      t,
      source.ingestUrl,
      signed(JSON.stringify({ version: 1, application_id: 'A', type: 1, event: { type: 'APPLICATION_AUTHORIZED', timestamp: new Date().toISOString(), data: {} } })),
    );
    expect(event.status).toBe(200);
    expect((await t.messages(source.appId)).map((m) => m.eventType)).toEqual(['discord.APPLICATION_AUTHORIZED']);
  });

  it('probes with bad signatures get 401', async () => {
    const source = await createSource(t, 'discord', { publicKey });
    const d = signed('{"type":1,"id":"1","token":"t","version":1}');
    const res = await deliver(t, source.ingestUrl, { ...d, headers: { ...d.headers, 'x-signature-ed25519': '00'.repeat(64) } });
    expect(res.status).toBe(401);
  });
});

describe('Twilio URL forms', () => {
  it('verifies against PUBLIC_URL, not the Host header, with or without the default port', async () => {
    const source = await createSource(t, 'twilio', { secret: 'tw-token' });
    const params = { CallSid: 'CA1', CallStatus: 'ringing', AccountSid: 'AC1' };
    const body = new URLSearchParams(params).toString();
    const withPort = source.ingestUrl.replace('https://hooks.example.test/', 'https://hooks.example.test:443/');
    for (const url of [source.ingestUrl, withPort]) {
      const res = await deliver(t, source.ingestUrl, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioLib.getExpectedTwilioSignature('tw-token', url, params) },
        body,
      });
      expect(res.status).toBe(200);
    }
    // Signed for the URL the request actually reached (Host header): not what Twilio would sign.
    const local = t.localUrl(source.ingestUrl);
    const res = await deliver(t, source.ingestUrl, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioLib.getExpectedTwilioSignature('tw-token', local, params) },
      body,
    });
    expect(res.status).toBe(401);
    expect((await t.messages(source.appId)).at(-1)!.eventType).toBe('twilio.call.ringing');
  });

  it('verifies JSON bodies through bodySHA256, and refuses a body that does not match its hash', async () => {
    const source = await createSource(t, 'twilio', { secret: 'tw-token' });
    const body = JSON.stringify({ type: 'com.twilio.messaging.inbound-message.received', id: 'EV1' });
    const search = `?bodySHA256=${twilioLib.getExpectedBodyHash(body)}`;
    const url = source.ingestUrl + search;
    const sig = twilioLib.getExpectedTwilioSignature('tw-token', url, {});
    expect(twilioLib.validateRequestWithBody('tw-token', sig, url, body)).toBe(true);
    const ok = await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json', 'x-twilio-signature': sig }, body, search });
    expect(ok.status).toBe(200);
    const bad = await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json', 'x-twilio-signature': sig }, body: body.replace('EV1', 'EV2'), search });
    expect(bad.status).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'bad_signature' });
  });
});

describe('HubSpot v3 URI with a query string', () => {
  it('signs method + full public URI (query included) + body + timestamp', async () => {
    const source = await createSource(t, 'hubspot', { secret: 'hs-secret' });
    const search = '?portal=62515&note=a%3Ab';
    const body = JSON.stringify([{ eventId: 77, subscriptionType: 'deal.propertyChange', portalId: 62515 }]);
    const timestamp = Date.now();
    // HubSpot decodes %3A to ':' in the URI it signs.
    const sig = HubspotSignature.getSignature('POST', 'v3', { clientSecret: 'hs-secret', requestBody: body, url: `${source.ingestUrl}?portal=62515&note=a:b`, timestamp });
    const res = await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': String(timestamp) }, body, search });
    expect(res.status).toBe(200);
  });
});

describe('replay windows are configurable per source', () => {
  it('a Paddle source with toleranceSeconds 600 accepts a 5-minute-old signature the 5 s default refuses', async () => {
    const strict = await createSource(t, 'paddle', { secret: 'pd' });
    const lenient = await createSource(t, 'paddle', { secret: 'pd', toleranceSeconds: 600 });
    const ts = String(nowS() - 300);
    const body = JSON.stringify({ event_id: 'evt_1', notification_id: 'ntf_1', event_type: 'subscription.created', data: { id: 'sub_1' } });
    const d = { headers: { 'content-type': 'application/json', 'paddle-signature': `ts=${ts};h1=${noble.hex(noble.sha256, 'pd', `${ts}:`, body)}` }, body };
    expect((await deliver(t, strict.ingestUrl, d)).json()).toMatchObject({ code: 'stale_timestamp' });
    expect((await deliver(t, lenient.ingestUrl, d)).status).toBe(200);
  });

  it('a timestamp too far in the future is refused with future_timestamp', async () => {
    const source = await createSource(t, 'stripe', { secret: 'whsec_x' });
    const ts = nowS() + 3600;
    const body = '{"id":"evt_future","type":"x.y"}';
    const res = await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json', 'stripe-signature': `t=${ts},v1=${noble.hex(noble.sha256, 'whsec_x', `${ts}.`, body)}` }, body });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: 'future_timestamp' });
  });
});

describe('request log API (our extension)', () => {
  it('lists every request of a source newest first and shows one with its exact body, credentials redacted', async () => {
    const source = await createSource(t, 'gitlab', { secret: 'gl-token' });
    await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json', 'x-gitlab-token': 'gl-token', authorization: 'Bearer abc', cookie: 'a=b' }, body: '{"object_kind":"push"}' });
    await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json', 'x-gitlab-token': 'wrong' }, body: '{"object_kind":"push"}' });
    const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const list = (await (await fetch(`${t.baseUrl}/ingest/api/v1/source/${source.id}/request`, { headers: auth })).json()) as { data: Record<string, unknown>[]; done: boolean };
    expect(list.data.map((r) => [r.outcome, r.reason, r.responseStatus])).toEqual([
      ['rejected', 'bad_signature', 401],
      ['accepted', null, 200],
    ]);
    const accepted = list.data[1]!;
    expect(accepted.headers).toMatchObject({ 'x-gitlab-token': '[redacted]', authorization: '[redacted]', cookie: '[redacted]' });
    const one = (await (await fetch(`${t.baseUrl}/ingest/api/v1/source/${source.id}/request/${accepted.id as string}`, { headers: auth })).json()) as { bodyBase64: string };
    expect(Buffer.from(one.bodyBase64, 'base64').toString()).toBe('{"object_kind":"push"}');
    expect(JSON.stringify(list)).not.toContain('gl-token');
  });
});

describe('dedup under concurrency', () => {
  it('the same delivery ten times at once: ten 2xx, one message, one accepted row, nine duplicates', async () => {
    const source = await createSource(t, 'stripe', { secret: 'whsec_conc' });
    const ts = nowS();
    const body = '{"id":"evt_concurrent","type":"charge.succeeded"}';
    const d = { headers: { 'content-type': 'application/json', 'stripe-signature': `t=${ts},v1=${noble.hex(noble.sha256, 'whsec_conc', `${ts}.`, body)}` }, body };
    const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(t, source.ingestUrl, d)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(await t.messages(source.appId)).toHaveLength(1);
    const outcomes = (await t.requests(source.id)).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['accepted', ...Array(9).fill('duplicate')]);
    const eventIds = new Set(answers.map((a) => a.json<{ eventId: string }>().eventId));
    expect(eventIds.size).toBe(1);
  });
});
