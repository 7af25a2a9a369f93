// Behaviour tables for the catalog providers: each case breaks one thing. Vectors come from
// @noble/hashes (pure JS) or node:crypto's own key types for the asymmetric schemes; the
// providers' libraries cross-check them in apps/gateway/test/providers.e2e-spec.ts.
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  bitbucket,
  discord,
  genericWebhook,
  gitlab,
  hubspot,
  hubspotUri,
  intercom,
  linear,
  meta,
  paddle,
  pagerduty,
  sendgrid,
  square,
  twilio,
  twilioSignedString,
  twilioUrlVariants,
  typeform,
  zoom,
  type ProviderVerifier,
  type SignedRequest,
} from './sut.js';
import { NOW_MS, NOW_S, b64, expectFailure, expectOk, flipByte, hex, refHmac, request } from './helpers.js';

const BODY = '{"id":"evt_1","type":"thing.happened","n":1}';
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SW_KEY = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');

function check<C>(provider: ProviderVerifier<C>, raw: unknown): C {
  const parsed = provider.parseConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config;
}

function verify<C>(provider: ProviderVerifier<C>, raw: unknown, req: SignedRequest) {
  return provider.verify(req, check(provider, raw), { now: NOW_MS });
}

describe('twilio', () => {
  it('reproduces the Twilio docs vector', () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };
    expect(b64(refHmac('sha1', '12345', twilioSignedString(url, params)))).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    const body = new URLSearchParams(params).toString();
    expectOk(verify(twilio, { secret: '12345' }, request(body, { 'x-twilio-signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=' }, { url })));
    expectFailure(verify(twilio, { secret: '12345' }, request(body.replace('1234&', '1235&'), { 'x-twilio-signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=' }, { url })), 'bad_signature');
    expectFailure(verify(twilio, { secret: '12345' }, request(body, { 'x-twilio-signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=' }, { url: url.replace('https', 'http') })), 'bad_signature');
  });

  it('tries the URL with and without the default port, and sorts repeated values', () => {
    expect(twilioUrlVariants('https://h.test/in/x?a=1')).toEqual(['https://h.test/in/x?a=1', 'https://h.test:443/in/x?a=1']);
    expect(twilioUrlVariants('http://h.test:8080/p')).toEqual(['http://h.test:8080/p', 'http://h.test/p']);
    expect(twilioSignedString('u', { b: ['2', '1', '2'], a: 'x' })).toBe('uaxb1b2');
  });

  it('SharedKey requests name HMAC_SHA256; unknown algorithms are malformed', () => {
    const url = 'https://h.test/in/x';
    const sig = b64(refHmac('sha256', 'shared', url));
    expectOk(verify(twilio, { secret: 'shared' }, request('', { 'x-twilio-signature': sig, 'x-twilio-webhooks-signature-settings': 'key=k1,algorithm=HMAC_SHA256' }, { url })));
    expectFailure(verify(twilio, { secret: 'shared' }, request('', { 'x-twilio-signature': sig, 'x-twilio-webhooks-signature-settings': 'algorithm=MD5' }, { url })), 'malformed');
  });

  it('needs the public URL, and a UTF-8 form', () => {
    expectFailure(verify(twilio, { secret: 's' }, request('', { 'x-twilio-signature': 'AAAA' })), 'invalid_config');
    expectFailure(verify(twilio, { secret: 's' }, request(Uint8Array.from([0xff]), { 'x-twilio-signature': 'AAAA' }, { url: 'https://h.test/' })), 'malformed');
  });

  it('JSON bodies: the URL carries bodySHA256, which must match the body', () => {
    const hash = createHash('sha256').update(BODY).digest('hex');
    const url = `https://h.test/in/x?bodySHA256=${hash}`;
    const sig = b64(refHmac('sha1', 's', url));
    expectOk(verify(twilio, { secret: 's' }, request(BODY, { 'x-twilio-signature': sig }, { url })));
    expectFailure(verify(twilio, { secret: 's' }, request(flipByte(BODY), { 'x-twilio-signature': sig }, { url })), 'bad_signature');
  });
});

describe('hubspot v3', () => {
  const url = 'https://h.test/in/x?a=b';
  const sign = (secret: string, ts: number, body = BODY, uri = url) => b64(refHmac('sha256', secret, 'POST', uri, body, String(ts)));
  const req = (sig: string, ts: number | undefined, body: string | Uint8Array = BODY) =>
    request(body, { 'x-hubspot-signature-v3': sig, ...(ts === undefined ? {} : { 'x-hubspot-request-timestamp': String(ts) }) }, { url, method: 'POST' });

  it.each([
    ['valid', () => req(sign('s', NOW_MS), NOW_MS), null],
    ['flipped body', () => req(sign('s', NOW_MS), NOW_MS, flipByte(BODY)), 'bad_signature'],
    ['wrong secret', () => req(sign('x', NOW_MS), NOW_MS), 'bad_signature'],
    ['stale (6 min)', () => req(sign('s', NOW_MS - 360_000), NOW_MS - 360_000), 'stale_timestamp'],
    ['future (6 min)', () => req(sign('s', NOW_MS + 360_000), NOW_MS + 360_000), 'future_timestamp'],
    ['no timestamp', () => req(sign('s', NOW_MS), undefined), 'missing_header'],
    ['seconds, not ms, signed', () => req(sign('s', NOW_S), NOW_S), 'stale_timestamp'],
    ['not base64', () => req('***', NOW_MS), 'malformed'],
  ] as const)('%s', (_name, build, reason) => {
    const result = verify(hubspot, { secret: 's' }, build());
    if (reason === null) expectOk(result);
    else expectFailure(result, reason);
  });

  it('decodes the escapes HubSpot decodes before signing', () => {
    expect(hubspotUri('https://h.test/in/x?q=a%3Ab%2Fc%20d%2a')).toBe('https://h.test/in/x?q=a:b/c%20d*');
    const encoded = 'https://h.test/in/x?q=a%3Ab';
    const sig = b64(refHmac('sha256', 's', 'POST', 'https://h.test/in/x?q=a:b', BODY, String(NOW_MS)));
    expectOk(
      hubspot.verify(request(BODY, { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': String(NOW_MS) }, { url: encoded, method: 'POST' }), check(hubspot, { secret: 's' }), {
        now: NOW_MS,
      }),
    );
  });
});

describe('linear', () => {
  const body = (ms: number) => JSON.stringify({ type: 'Issue', action: 'create', webhookTimestamp: ms });
  const req = (secret: string, b: string | Uint8Array) => request(b, { 'linear-signature': hex(refHmac('sha256', secret, b)) });
  it.each([
    ['valid', () => req('s', body(NOW_MS)), null],
    ['wrong secret', () => req('x', body(NOW_MS)), 'bad_signature'],
    ['61 s old', () => req('s', body(NOW_MS - 61_000)), 'stale_timestamp'],
    ['61 s ahead', () => req('s', body(NOW_MS + 61_000)), 'future_timestamp'],
    ['no webhookTimestamp', () => req('s', '{"type":"Issue"}'), 'malformed'],
    ['signed non-JSON', () => req('s', 'not json'), 'malformed'],
  ] as const)('%s', (_name, build, reason) => {
    const result = verify(linear, { secret: 's' }, build());
    if (reason === null) expectOk(result);
    else expectFailure(result, reason);
  });
  it('a flipped byte is a bad signature, checked before the timestamp', () => {
    const b = body(NOW_MS - 999_999);
    expectFailure(verify(linear, { secret: 's' }, request(flipByte(b), { 'linear-signature': hex(refHmac('sha256', 's', b)) })), 'bad_signature');
  });
  it('toleranceSeconds 0 disables the body timestamp check', () => {
    expectOk(verify(linear, { secret: 's', toleranceSeconds: 0 }, req('s', '{"type":"Issue"}')));
  });
});

describe('paddle', () => {
  const h1 = (secret: string, ts: number, body: string | Uint8Array = BODY) => hex(refHmac('sha256', secret, `${ts}:`, body));
  it.each([
    ['valid', `ts=${NOW_S};h1=${h1('s', NOW_S)}`, BODY, null],
    ['any h1 may match (rotation)', `ts=${NOW_S};h1=${h1('old', NOW_S)};h1=${h1('s', NOW_S)}`, BODY, null],
    ['the valid h1 first, a wrong one last', `ts=${NOW_S};h1=${h1('s', NOW_S)};h1=${h1('old', NOW_S)}`, BODY, null],
    ['flipped body', `ts=${NOW_S};h1=${h1('s', NOW_S)}`, flipByte(BODY), 'bad_signature'],
    ['6 s old (default window 5 s)', `ts=${NOW_S - 6};h1=${h1('s', NOW_S - 6)}`, BODY, 'stale_timestamp'],
    ['two ts', `ts=${NOW_S};ts=${NOW_S};h1=${h1('s', NOW_S)}`, BODY, 'malformed'],
    ['no h1', `ts=${NOW_S}`, BODY, 'malformed'],
    ['garbage', 'nope', BODY, 'malformed'],
  ] as const)('%s', (_name, header, body, reason) => {
    const result = verify(paddle, { secret: 's' }, request(body, { 'paddle-signature': header }));
    if (reason === null) expectOk(result);
    else expectFailure(result, reason);
  });
  it('the window is configurable', () => {
    expectOk(verify(paddle, { secret: 's', toleranceSeconds: 60 }, request(BODY, { 'paddle-signature': `ts=${NOW_S - 30};h1=${h1('s', NOW_S - 30)}` })));
  });
});

describe('square', () => {
  const url = 'https://example.test/square/notify';
  const sig = (secret: string, u = url, body: string | Uint8Array = BODY) => b64(refHmac('sha256', secret, u, body));
  it('signs notificationUrl + body; the configured URL wins over the request URL', () => {
    expectOk(verify(square, { secret: 's', notificationUrl: url }, request(BODY, { 'x-square-hmacsha256-signature': sig('s') }, { url: 'https://other.test/in/x' })));
    expectOk(verify(square, { secret: 's' }, request(BODY, { 'x-square-hmacsha256-signature': sig('s', 'https://other.test/in/x') }, { url: 'https://other.test/in/x' })));
    expectFailure(verify(square, { secret: 's', notificationUrl: url }, request(flipByte(BODY), { 'x-square-hmacsha256-signature': sig('s') })), 'bad_signature');
    expectFailure(verify(square, { secret: 's', notificationUrl: url }, request(BODY, { 'x-square-hmacsha256-signature': sig('x') })), 'bad_signature');
    expectFailure(verify(square, { secret: 's', notificationUrl: url }, request(BODY, {})), 'missing_header');
  });
  it('refuses a notificationUrl that is not http(s)', () => {
    expect(square.parseConfig({ secret: 's', notificationUrl: 'ftp://x' })).toMatchObject({ ok: false, issues: [{ field: 'notificationUrl' }] });
  });
});

describe('sendgrid (ECDSA P-256) and discord (Ed25519)', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecPublic = ec.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const ed = generateKeyPairSync('ed25519');
  const edPublic = ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const other = generateKeyPairSync('ed25519');

  it('sendgrid verifies timestamp + body (no separator), refuses flips, other keys, stale timestamps', () => {
    const body = `${BODY}\r\n`;
    const sig = (ts: number, b = body, key = ec.privateKey) => cryptoSign('sha256', Buffer.from(`${ts}${b}`), key).toString('base64');
    const h = (s: string, ts: number) => ({ 'x-twilio-email-event-webhook-signature': s, 'x-twilio-email-event-webhook-timestamp': String(ts) });
    expectOk(verify(sendgrid, { publicKey: ecPublic }, request(body, h(sig(NOW_S), NOW_S))));
    expectFailure(verify(sendgrid, { publicKey: ecPublic }, request(flipByte(body), h(sig(NOW_S), NOW_S))), 'bad_signature');
    expectFailure(verify(sendgrid, { publicKey: ecPublic }, request(body.trim(), h(sig(NOW_S), NOW_S))), 'bad_signature');
    expectFailure(verify(sendgrid, { publicKey: ecPublic }, request(body, h(sig(NOW_S, body, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey), NOW_S))), 'bad_signature');
    expectFailure(verify(sendgrid, { publicKey: ecPublic }, request(body, h(sig(NOW_S - 700), NOW_S - 700))), 'stale_timestamp');
    expectFailure(verify(sendgrid, { publicKey: ecPublic }, request(body, h('AAAA', NOW_S))), 'bad_signature');
  });

  it('sendgrid config needs a P-256 key', () => {
    expect(sendgrid.parseConfig({ publicKey: edPublic })).toMatchObject({ ok: false, issues: [{ field: 'publicKey' }] });
    expect(sendgrid.parseConfig({ publicKey: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }).ok).toBe(false);
    expect(sendgrid.parseConfig({})).toMatchObject({ ok: false, issues: [{ field: 'publicKey' }] });
  });

  it('discord verifies timestamp + body with a hex Ed25519 key', () => {
    const sig = (ts: number, b: string | Uint8Array = BODY, key = ed.privateKey) => cryptoSign(null, Buffer.concat([Buffer.from(String(ts)), Buffer.from(b)]), key).toString('hex');
    const h = (s: string, ts: number) => ({ 'x-signature-ed25519': s, 'x-signature-timestamp': String(ts) });
    expectOk(verify(discord, { publicKey: edPublic }, request(BODY, h(sig(NOW_S), NOW_S))));
    expectFailure(verify(discord, { publicKey: edPublic }, request(flipByte(BODY), h(sig(NOW_S), NOW_S))), 'bad_signature');
    expectFailure(verify(discord, { publicKey: edPublic }, request(BODY, h(sig(NOW_S, BODY, other.privateKey), NOW_S))), 'bad_signature');
    expectFailure(verify(discord, { publicKey: edPublic }, request(BODY, h(sig(NOW_S - 400), NOW_S - 400))), 'stale_timestamp');
    expectFailure(verify(discord, { publicKey: edPublic }, request(BODY, h('zz', NOW_S))), 'malformed');
    expectFailure(verify(discord, { publicKey: edPublic }, request(BODY, { 'x-signature-timestamp': String(NOW_S) })), 'missing_header');
    expect(discord.parseConfig({ publicKey: 'abc' })).toMatchObject({ ok: false, issues: [{ field: 'publicKey' }] });
  });
});

describe('hub-style and simple HMAC schemes', () => {
  it.each([
    ['intercom', intercom, 'x-hub-signature', (s: string, b: string | Uint8Array) => `sha1=${hex(refHmac('sha1', s, b))}`],
    ['bitbucket', bitbucket, 'x-hub-signature', (s: string, b: string | Uint8Array) => `sha256=${hex(refHmac('sha256', s, b))}`],
    ['meta', meta, 'x-hub-signature-256', (s: string, b: string | Uint8Array) => `sha256=${hex(refHmac('sha256', s, b))}`],
    ['typeform', typeform, 'typeform-signature', (s: string, b: string | Uint8Array) => `sha256=${b64(refHmac('sha256', s, b))}`],
    ['pagerduty', pagerduty, 'x-pagerduty-signature', (s: string, b: string | Uint8Array) => `v1=${hex(refHmac('sha256', 'old', b))},v1=${hex(refHmac('sha256', s, b))}`],
  ] as const)('%s: valid, flipped, wrong secret, missing, wrong prefix', (_name, provider, header, sign) => {
    const config = { secret: 's', verifyToken: 'vt' };
    expectOk(verify(provider as ProviderVerifier<unknown>, config, request(BODY, { [header]: sign('s', BODY) })));
    expectFailure(verify(provider as ProviderVerifier<unknown>, config, request(flipByte(BODY), { [header]: sign('s', BODY) })), 'bad_signature');
    expectFailure(verify(provider as ProviderVerifier<unknown>, config, request(BODY, { [header]: sign('x', BODY) })), 'bad_signature');
    expectFailure(verify(provider as ProviderVerifier<unknown>, config, request(BODY, {})), 'missing_header');
    expectFailure(verify(provider as ProviderVerifier<unknown>, config, request(BODY, { [header]: `md5=${'0'.repeat(32)}` })), 'malformed');
  });

  it('a secret list accepts either during a rotation', () => {
    expectOk(verify(typeform, { secret: ['new', 's'] }, request(BODY, { 'typeform-signature': `sha256=${b64(refHmac('sha256', 's', BODY))}` })));
  });
});

describe('meta GET handshake', () => {
  const get = (query: string) => ({ body: new Uint8Array(), headers: {}, method: 'GET', url: `https://h.test/in/x${query}` });
  it('checks hub.verify_token in constant time', () => {
    const config = check(meta, { secret: 's', verifyToken: 'vt' });
    expectOk(meta.verify(get('?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=1'), config));
    expectFailure(meta.verify(get('?hub.mode=subscribe&hub.verify_token=vx&hub.challenge=1'), config), 'bad_signature');
    expectFailure(meta.verify(get('?hub.mode=unsubscribe&hub.verify_token=vt&hub.challenge=1'), config), 'malformed');
    expectFailure(meta.verify(get(''), config), 'missing_header');
    expect(meta.parseConfig({ secret: 's' })).toMatchObject({ ok: false, issues: [{ field: 'verifyToken' }] });
  });
});

describe('zoom', () => {
  const sig = (s: string, ts: number, b: string | Uint8Array = BODY) => `v0=${hex(refHmac('sha256', s, `v0:${ts}:`, b))}`;
  it('v0 over v0:{ts}:{body} with a 300 s window', () => {
    expectOk(verify(zoom, { secret: 's' }, request(BODY, { 'x-zm-signature': sig('s', NOW_S), 'x-zm-request-timestamp': String(NOW_S) })));
    expectFailure(verify(zoom, { secret: 's' }, request(flipByte(BODY), { 'x-zm-signature': sig('s', NOW_S), 'x-zm-request-timestamp': String(NOW_S) })), 'bad_signature');
    expectFailure(verify(zoom, { secret: 's' }, request(BODY, { 'x-zm-signature': sig('s', NOW_S - 301), 'x-zm-request-timestamp': String(NOW_S - 301) })), 'stale_timestamp');
  });
});

describe('gitlab', () => {
  const sw = (id: string, ts: number, body: string | Uint8Array = BODY) => ({
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': `v1,${b64(refHmac('sha256', SW_KEY, `${id}.${ts}.`, body))}`,
  });
  it('the plain token is compared as a secret; the body is not signed by it', () => {
    expectOk(verify(gitlab, { secret: 'tok' }, request(BODY, { 'x-gitlab-token': 'tok' })));
    expectOk(verify(gitlab, { secret: 'tok' }, request(flipByte(BODY), { 'x-gitlab-token': 'tok' })));
    expectFailure(verify(gitlab, { secret: 'tok' }, request(BODY, { 'x-gitlab-token': 'to' })), 'bad_signature');
    expectFailure(verify(gitlab, { secret: 'tok' }, request(BODY, {})), 'missing_header');
  });
  it('the signing token is Standard Webhooks; with both configured both must pass', () => {
    expectOk(verify(gitlab, { signingToken: SW_SECRET }, request(BODY, sw('i1', NOW_S))));
    expectFailure(verify(gitlab, { signingToken: SW_SECRET }, request(flipByte(BODY), sw('i1', NOW_S))), 'bad_signature');
    expectFailure(verify(gitlab, { signingToken: SW_SECRET }, request(BODY, sw('i1', NOW_S - 301))), 'stale_timestamp');
    expectFailure(verify(gitlab, { signingToken: SW_SECRET, secret: 'tok' }, request(BODY, sw('i1', NOW_S))), 'missing_header');
    expectOk(verify(gitlab, { signingToken: SW_SECRET, secret: 'tok' }, request(BODY, { ...sw('i1', NOW_S), 'x-gitlab-token': 'tok' })));
  });
  it('config needs one of them, and a whsec_ signing token', () => {
    expect(gitlab.parseConfig({})).toMatchObject({ ok: false, issues: [{ field: 'secret' }] });
    expect(gitlab.parseConfig({ signingToken: 'plain' })).toMatchObject({ ok: false, issues: [{ field: 'signingToken' }] });
  });
});

describe('generic-webhook', () => {
  it('verifies nothing and takes no settings', () => {
    expectOk(verify(genericWebhook, {}, request(BODY, {})));
    expect(genericWebhook.parseConfig({ secret: 's' }).ok).toBe(false);
  });
});
