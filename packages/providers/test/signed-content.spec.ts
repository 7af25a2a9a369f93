// What each verifier reports as signed (SignedContent): the headers its signature covers, and a
// digest that a replay cannot change (a fresh unsigned id header, a relabelled event-type header,
// a reordered form) while the provider's own re-signed retry keeps it. The gateway deduplicates
// on that digest wherever a provider signs no id. Vectors from @noble/hashes (helpers.ts).
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  bitbucket,
  discord,
  genericWebhook,
  github,
  gitlab,
  hmacProvider,
  hubspot,
  intercom,
  linear,
  meta,
  paddle,
  pagerduty,
  sendgrid,
  shopify,
  slack,
  square,
  standardWebhooks,
  stripe,
  svix,
  twilio,
  twilioSignedString,
  typeform,
  zoom,
  type ProviderVerifier,
  type SignedRequest,
  type VerificationResult,
} from './sut.js';
import { NOW_MS, NOW_S, b64, hex, refHmac, request, sha256Hex } from './helpers.js';

const BODY = '{"action":"opened","number":1,"repository":{"full_name":"octo/repo"}}';
const OTHER = '{"action":"closed","number":1,"repository":{"full_name":"octo/repo"}}';
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SW_KEY = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');

function verify<C>(provider: ProviderVerifier<C>, raw: unknown, req: SignedRequest, now = NOW_MS): VerificationResult {
  const parsed = provider.parseConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return provider.verify(req, parsed.config, { now });
}

function signedOf(result: VerificationResult) {
  if (!result.ok) throw new Error(`expected a pass, got ${result.reason}: ${result.detail}`);
  if (!result.signed) throw new Error('the verifier reported nothing signed');
  return result.signed;
}

/** Body-only schemes: a header-signed delivery for a body; the unsigned headers a replayer would rewrite. */
const BODY_ONLY: [string, ProviderVerifier<never>, unknown, (body: string) => Record<string, string>, Record<string, string>][] = [
  ['github', github as never, { secret: 's' }, (b) => ({ 'x-hub-signature-256': `sha256=${hex(refHmac('sha256', 's', b))}` }), { 'x-github-delivery': 'fresh', 'x-github-event': 'release' }],
  [
    'shopify',
    shopify as never,
    { secret: 's' },
    (b) => ({ 'x-shopify-hmac-sha256': b64(refHmac('sha256', 's', b)) }),
    { 'x-shopify-webhook-id': 'fresh', 'x-shopify-event-id': 'fresh', 'x-shopify-topic': 'orders/delete' },
  ],
  [
    'bitbucket',
    bitbucket as never,
    { secret: 's' },
    (b) => ({ 'x-hub-signature': `sha256=${hex(refHmac('sha256', 's', b))}` }),
    { 'x-request-uuid': 'fresh', 'x-hook-uuid': 'fresh', 'x-event-key': 'repo:fork' },
  ],
  ['intercom', intercom as never, { secret: 's' }, (b) => ({ 'x-hub-signature': `sha1=${hex(refHmac('sha1', 's', b))}` }), {}],
  ['meta', meta as never, { secret: 's', verifyToken: 'v' }, (b) => ({ 'x-hub-signature-256': `sha256=${hex(refHmac('sha256', 's', b))}` }), {}],
  ['pagerduty', pagerduty as never, { secret: 's' }, (b) => ({ 'x-pagerduty-signature': `v1=${hex(refHmac('sha256', 's', b))}` }), { 'x-webhook-id': 'fresh' }],
  ['typeform', typeform as never, { secret: 's' }, (b) => ({ 'typeform-signature': `sha256=${b64(refHmac('sha256', 's', b))}` }), {}],
];

describe.each(BODY_ONLY)('%s signs the body alone', (_name, provider, config, sign, unsigned) => {
  it('covers no header; the digest is the SHA-256 of the body', () => {
    expect(signedOf(verify(provider, config, request(BODY, sign(BODY))))).toEqual({ headers: {}, body: true, digest: sha256Hex(BODY) });
  });

  it('a replay with fresh id and relabelled type headers has the same digest; another body does not', () => {
    const first = signedOf(verify(provider, config, request(BODY, sign(BODY))));
    const replay = signedOf(verify(provider, config, request(BODY, { ...sign(BODY), ...unsigned })));
    expect(replay).toEqual(first);
    expect(signedOf(verify(provider, config, request(OTHER, sign(OTHER)))).digest).not.toBe(first.digest);
  });
});

describe('Standard Webhooks: the id of the header family that was verified is the signed one', () => {
  const sign = (id: string, ts: number, body = BODY) => `v1,${b64(refHmac('sha256', SW_KEY, `${id}.${ts}.`, body))}`;
  const webhook = (id: string, ts = NOW_S) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(id, ts) });
  const svixFamily = (id: string, ts = NOW_S) => ({ 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': sign(id, ts) });

  it.each([
    ['standard-webhooks', standardWebhooks],
    ['svix', svix],
  ] as const)('%s, webhook-* headers: webhook-id and webhook-timestamp are signed, an added svix-id is not', (_name, provider) => {
    const signed = signedOf(verify(provider, { secret: SW_SECRET }, request(BODY, { ...webhook('msg_1'), 'svix-id': 'replay-1', 'svix-timestamp': String(NOW_S + 99) })));
    expect(signed).toEqual({ headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW_S) }, body: true, digest: sha256Hex(`msg_1..${BODY}`) });
  });

  it('svix-* headers: svix-id and svix-timestamp are signed, a webhook-id beside them is not', () => {
    const signed = signedOf(verify(svix, { secret: SW_SECRET }, request(BODY, { ...svixFamily('msg_2'), 'webhook-id': 'replay-2' })));
    expect(signed.headers).toEqual({ 'svix-id': 'msg_2', 'svix-timestamp': String(NOW_S) });
  });

  it('the same message re-signed later keeps its digest; another id changes it', () => {
    const first = signedOf(verify(standardWebhooks, { secret: SW_SECRET }, request(BODY, webhook('msg_3'))));
    const later = signedOf(verify(standardWebhooks, { secret: SW_SECRET }, request(BODY, webhook('msg_3', NOW_S + 60)), NOW_MS + 60_000));
    const other = signedOf(verify(standardWebhooks, { secret: SW_SECRET }, request(BODY, webhook('msg_4'))));
    expect(later.digest).toBe(first.digest);
    expect(other.digest).not.toBe(first.digest);
  });
});

describe('timestamped schemes: the digest leaves the timestamp out, so a re-signed retry keeps it', () => {
  const { privateKey: edKey, publicKey: edPublic } = generateKeyPairSync('ed25519');
  const edHex = (edPublic.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('hex');
  const { privateKey: ecKey, publicKey: ecPublic } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecB64 = (ecPublic.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64');
  const url = 'https://hooks.example.test/in/tok?a=b';

  const cases: [string, ProviderVerifier<never>, unknown, (ts: number, body: string) => SignedRequest, Record<string, string>, string][] = [
    ['stripe', stripe as never, { secret: 'whsec_s' }, (ts, b) => request(b, { 'stripe-signature': `t=${ts},v1=${hex(refHmac('sha256', 'whsec_s', `${ts}.`, b))}` }), {}, '.'],
    [
      'slack',
      slack as never,
      { secret: 's' },
      (ts, b) => request(b, { 'x-slack-signature': `v0=${hex(refHmac('sha256', 's', `v0:${ts}:`, b))}`, 'x-slack-request-timestamp': String(ts) }),
      { 'x-slack-request-timestamp': '' },
      'v0::',
    ],
    [
      'zoom',
      zoom as never,
      { secret: 's' },
      (ts, b) => request(b, { 'x-zm-signature': `v0=${hex(refHmac('sha256', 's', `v0:${ts}:`, b))}`, 'x-zm-request-timestamp': String(ts) }),
      { 'x-zm-request-timestamp': '' },
      'v0::',
    ],
    ['paddle', paddle as never, { secret: 's', toleranceSeconds: 600 }, (ts, b) => request(b, { 'paddle-signature': `ts=${ts};h1=${hex(refHmac('sha256', 's', `${ts}:`, b))}` }), {}, ':'],
    [
      'discord',
      discord as never,
      { publicKey: edHex },
      (ts, b) => request(b, { 'x-signature-ed25519': cryptoSign(null, Buffer.from(`${ts}${b}`), edKey).toString('hex'), 'x-signature-timestamp': String(ts) }),
      { 'x-signature-timestamp': '' },
      '',
    ],
    [
      'sendgrid',
      sendgrid as never,
      { publicKey: ecB64 },
      (ts, b) =>
        request(b, { 'x-twilio-email-event-webhook-signature': cryptoSign('sha256', Buffer.from(`${ts}${b}`), ecKey).toString('base64'), 'x-twilio-email-event-webhook-timestamp': String(ts) }),
      { 'x-twilio-email-event-webhook-timestamp': '' },
      '',
    ],
    [
      'hubspot',
      hubspot as never,
      { secret: 's' },
      (ts, b) => request(b, { 'x-hubspot-signature-v3': b64(refHmac('sha256', 's', 'POST', url, b, String(ts * 1000))), 'x-hubspot-request-timestamp': String(ts * 1000) }, { url, method: 'POST' }),
      { 'x-hubspot-request-timestamp': '' },
      `POST${url}`,
    ],
  ];

  it.each(cases)('%s', (_name, provider, config, build, headers, prefix) => {
    const first = signedOf(verify(provider, config, build(NOW_S, BODY)));
    const retry = signedOf(verify(provider, config, build(NOW_S + 60, BODY), NOW_MS + 60_000));
    const other = signedOf(verify(provider, config, build(NOW_S, OTHER)));
    expect(first.digest).toBe(sha256Hex(prefix, BODY));
    expect(retry.digest).toBe(first.digest);
    expect(other.digest).not.toBe(first.digest);
    expect(Object.keys(first.headers)).toEqual(Object.keys(headers));
    expect(first.body).toBe(true);
  });

  it('square signs the notification URL and the body', () => {
    const notificationUrl = 'https://square.example.test/notify';
    const sig = b64(refHmac('sha256', 's', notificationUrl, BODY));
    expect(signedOf(verify(square, { secret: 's', notificationUrl }, request(BODY, { 'x-square-hmacsha256-signature': sig })))).toEqual({
      headers: {},
      body: true,
      digest: sha256Hex(notificationUrl, BODY),
    });
  });
});

describe('twilio: a form is signed as sorted parameters, not as bytes', () => {
  const url = 'https://hooks.example.test/in/tok';
  const params = { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+15558675310', Body: 'Hello World' };
  const sig = b64(refHmac('sha1', 'token', twilioSignedString(url, params)));

  it('a reordered, re-encoded form verifies too, and has the same digest: the digest is of the signed string', () => {
    const first = signedOf(verify(twilio, { secret: 'token' }, request(new URLSearchParams(params).toString(), { 'x-twilio-signature': sig, 'i-twilio-idempotency-token': 'a' }, { url })));
    const reordered = 'To=%2B15558675310&Body=Hello%20World&MessageStatus=delivered&MessageSid=S%4D1';
    const replay = signedOf(verify(twilio, { secret: 'token' }, request(reordered, { 'x-twilio-signature': sig, 'i-twilio-idempotency-token': 'b' }, { url })));
    expect(first).toEqual({ headers: {}, body: false, digest: sha256Hex(twilioSignedString(url, params)) });
    expect(replay).toEqual(first);
  });

  it('a JSON body is signed through bodySHA256 in the URL: the body counts as signed', () => {
    const jsonUrl = `${url}?bodySHA256=${sha256Hex(BODY)}`;
    const signed = signedOf(verify(twilio, { secret: 'token' }, request(BODY, { 'x-twilio-signature': b64(refHmac('sha1', 'token', jsonUrl)) }, { url: jsonUrl })));
    expect(signed).toEqual({ headers: {}, body: true, digest: sha256Hex(jsonUrl) });
  });
});

describe('linear: the timestamp is inside the body', () => {
  const body = (ms: number, id = 'iss-1') => JSON.stringify({ action: 'create', type: 'Issue', data: { id }, webhookId: 'wh', webhookTimestamp: ms });
  const req = (b: string) => request(b, { 'linear-signature': hex(refHmac('sha256', 's', b)), 'linear-delivery': 'fresh' });

  it('a retry with a fresh webhookTimestamp keeps the digest; other data changes it', () => {
    const first = signedOf(verify(linear, { secret: 's' }, req(body(NOW_MS))));
    const retry = signedOf(verify(linear, { secret: 's' }, req(body(NOW_MS + 30_000)), NOW_MS + 30_000));
    const other = signedOf(verify(linear, { secret: 's' }, req(body(NOW_MS, 'iss-2'))));
    expect(first).toEqual({ headers: {}, body: true, digest: sha256Hex('{"action":"create","type":"Issue","data":{"id":"iss-1"},"webhookId":"wh"}') });
    expect(retry).toEqual(first);
    expect(other.digest).not.toBe(first.digest);
  });

  it('without a timestamp (toleranceSeconds 0) the digest is of the raw body', () => {
    expect(signedOf(verify(linear, { secret: 's', toleranceSeconds: 0 }, req('{"type":"Issue"}'))).digest).toBe(sha256Hex('{"type":"Issue"}'));
  });
});

describe('hmac: the template decides', () => {
  const config = { secret: 's', header: 'x-sig', signedContent: '{header:x-event-id}.{timestamp}.{body}', timestampHeader: 'x-ts' };
  const req = (id: string, ts: number, extra: Record<string, string> = {}) =>
    request(BODY, { 'x-sig': hex(refHmac('sha256', 's', `${id}.${ts}.`, BODY)), 'x-event-id': id, 'x-ts': String(ts), ...extra });

  it('a header in the template is signed, with its value; one outside it is not', () => {
    const signed = signedOf(verify(hmacProvider, config, req('e1', NOW_S, { 'x-event-type': 'order.paid' })));
    expect(signed).toEqual({ headers: { 'x-event-id': 'e1', 'x-ts': String(NOW_S) }, body: true, digest: sha256Hex(`e1..${BODY}`) });
  });

  it('another signed id is another digest; the same one re-signed later is not', () => {
    const first = signedOf(verify(hmacProvider, config, req('e1', NOW_S)));
    expect(signedOf(verify(hmacProvider, config, req('e2', NOW_S))).digest).not.toBe(first.digest);
    expect(signedOf(verify(hmacProvider, config, req('e1', NOW_S + 30), NOW_MS + 30_000)).digest).toBe(first.digest);
  });
});

describe('schemes that sign nothing report nothing signed', () => {
  it('GitLab with the plain X-Gitlab-Token', () => {
    const result = verify(gitlab, { secret: 'token' }, request(BODY, { 'x-gitlab-token': 'token' }));
    expect(result).toEqual({ ok: true, secretIndex: 0 });
  });

  it('GitLab with a signing token reports the Standard Webhooks headers', () => {
    const sig = `v1,${b64(refHmac('sha256', SW_KEY, `idem-1.${NOW_S}.`, BODY))}`;
    const headers = { 'webhook-id': 'idem-1', 'webhook-timestamp': String(NOW_S), 'webhook-signature': sig, 'idempotency-key': 'idem-1', 'x-gitlab-event-uuid': 'fresh' };
    expect(signedOf(verify(gitlab, { signingToken: SW_SECRET }, request(BODY, headers))).headers).toEqual({ 'webhook-id': 'idem-1', 'webhook-timestamp': String(NOW_S) });
  });

  it('generic-webhook', () => {
    expect(verify(genericWebhook, {}, request(BODY, {}))).toEqual({ ok: true });
  });

  it("Meta's GET subscription handshake", () => {
    const result = meta.verify(request('', {}, { method: 'GET', url: 'https://h.test/in/x?hub.mode=subscribe&hub.verify_token=v&hub.challenge=c' }), { secret: 's', verifyToken: 'v' });
    expect(result).toEqual({ ok: true });
  });
});
