// Ids, types and dedup keys come from signed data. Each request here is verified by the real
// verifier first (as the gateway does) and normalized with what the verifier reports; then a
// replayer rewrites what the provider does not sign (a fresh id header, another event-type
// header) and the dedup key must not move, while a genuinely new signed delivery gets a new one.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { verifierFor, signStandardWebhook, twilioSignedString } from './sut.js';
import { normalizerFor, parseBody, type InboundRequest, type NormalizedEvent } from './sut.js';

const NOW_S = 1_700_000_000;
const NOW_MS = NOW_S * 1000;
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const URL_ = 'https://hooks.example.test/in/tok';

const hmacHex = (alg: string, key: string, ...parts: string[]) => parts.reduce((h, p) => h.update(p), createHmac(alg, key)).digest('hex');
const hmacB64 = (alg: string, key: string, ...parts: string[]) => parts.reduce((h, p) => h.update(p), createHmac(alg, key)).digest('base64');
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

type Headers = Record<string, string>;

/** Verifies with the source type's own verifier, then normalizes with its facts; throws unless both succeed. */
function normalize(type: string, config: unknown, body: string, headers: Headers, options: { now?: number; url?: string } = {}): NormalizedEvent {
  const provider = verifierFor(type)!;
  const parsed = provider.parseConfig(config);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const bytes = Buffer.from(body);
  const verified = provider.verify({ body: bytes, headers, url: options.url, method: 'POST' }, parsed.config, { now: options.now ?? NOW_MS });
  if (!verified.ok) throw new Error(`${type}: ${verified.reason} ${verified.detail}`);
  const contentType = headers['content-type'];
  const request: InboundRequest = { sourceType: type, body: bytes, headers, contentType, parsed: parseBody(bytes, contentType), config, url: options.url, method: 'POST', verified };
  const outcome = normalizerFor(type)!(request);
  if (outcome.kind !== 'event') throw new Error(`${type}: ${JSON.stringify(outcome)}`);
  return outcome.event;
}

interface Case {
  readonly type: string;
  readonly config: unknown;
  /** A signed delivery of this body. */
  sign(body: string): Headers;
  readonly body: string;
  /** Another event from the provider, signed. */
  readonly other: string;
  /** What a replayer rewrites: the provider's unsigned id header(s) … */
  readonly freshId: Headers;
  /** … and its unsigned event-type header, where the type comes from one. */
  readonly relabel?: { readonly headers: Headers; readonly type: string };
  /** The id shown (`providereventid`) before and after the rewrite. */
  readonly shown: readonly [string, string];
  readonly url?: string;
}

const json = { 'content-type': 'application/json' };

const CASES: Case[] = [
  {
    type: 'github',
    config: { secret: 'gh' },
    sign: (b) => ({ ...json, 'x-github-event': 'push', 'x-github-delivery': 'guid-1', 'x-github-hook-id': '7', 'x-hub-signature-256': `sha256=${hmacHex('sha256', 'gh', b)}` }),
    body: '{"ref":"refs/heads/main","after":"a1","repository":{"full_name":"o/r"}}',
    other: '{"ref":"refs/heads/main","after":"b2","repository":{"full_name":"o/r"}}',
    freshId: { 'x-github-delivery': 'guid-replayed', 'x-github-hook-id': '8' },
    relabel: { headers: { 'x-github-event': 'release' }, type: 'github.release' },
    shown: ['guid-1', 'guid-replayed'],
  },
  {
    type: 'shopify',
    config: { secret: 'sh' },
    sign: (b) => ({ ...json, 'x-shopify-topic': 'orders/create', 'x-shopify-event-id': 'ev-1', 'x-shopify-webhook-id': 'wh-1', 'x-shopify-hmac-sha256': hmacB64('sha256', 'sh', b) }),
    body: '{"id":1,"total_price":"1.00"}',
    other: '{"id":2,"total_price":"1.00"}',
    freshId: { 'x-shopify-event-id': 'ev-replayed', 'x-shopify-webhook-id': 'wh-replayed' },
    relabel: { headers: { 'x-shopify-topic': 'refunds/create' }, type: 'shopify.refunds.create' },
    shown: ['ev-1', 'ev-replayed'],
  },
  {
    type: 'bitbucket',
    config: { secret: 'bb' },
    sign: (b) => ({ ...json, 'x-event-key': 'repo:push', 'x-request-uuid': 'r-1', 'x-hook-uuid': 'h-1', 'x-hub-signature': `sha256=${hmacHex('sha256', 'bb', b)}` }),
    body: '{"repository":{"full_name":"t/r"},"push":{"changes":[{"new":{"target":{"hash":"a1"}}}]}}',
    other: '{"repository":{"full_name":"t/r"},"push":{"changes":[{"new":{"target":{"hash":"b2"}}}]}}',
    freshId: { 'x-request-uuid': 'r-replayed', 'x-hook-uuid': 'h-replayed' },
    relabel: { headers: { 'x-event-key': 'repo:fork' }, type: 'bitbucket.repo.fork' },
    shown: ['r-1', 'r-replayed'],
  },
  {
    type: 'twilio',
    config: { secret: 'tw' },
    url: URL_,
    sign: (b) => ({
      'content-type': 'application/x-www-form-urlencoded',
      'i-twilio-idempotency-token': 'tok-1',
      'x-twilio-signature': hmacB64('sha1', 'tw', twilioSignedString(URL_, Object.fromEntries(new URLSearchParams(b)))),
    }),
    body: 'MessageSid=SM1&MessageStatus=delivered&To=%2B15558675310',
    other: 'MessageSid=SM1&MessageStatus=failed&To=%2B15558675310',
    freshId: { 'i-twilio-idempotency-token': 'tok-replayed' },
    shown: ['tok-1', 'tok-replayed'],
  },
  {
    type: 'gitlab',
    config: { secret: 'gl-token' },
    sign: () => ({ ...json, 'x-gitlab-event': 'Push Hook', 'idempotency-key': 'idem-1', 'x-gitlab-event-uuid': 'uuid-1', 'x-gitlab-token': 'gl-token' }),
    body: '{"object_kind":"push","after":"a1","project":{"path_with_namespace":"g/app"}}',
    other: '{"object_kind":"push","after":"b2","project":{"path_with_namespace":"g/app"}}',
    freshId: { 'idempotency-key': 'idem-replayed', 'x-gitlab-event-uuid': 'uuid-replayed' },
    shown: ['idem-1', 'idem-replayed'],
  },
  {
    type: 'linear',
    config: { secret: 'li' },
    sign: (b) => ({ ...json, 'linear-delivery': 'd-1', 'linear-signature': hmacHex('sha256', 'li', b) }),
    body: `{"action":"create","type":"Issue","data":{"id":"iss-1"},"webhookId":"wh","webhookTimestamp":${NOW_MS}}`,
    other: `{"action":"create","type":"Issue","data":{"id":"iss-2"},"webhookId":"wh","webhookTimestamp":${NOW_MS}}`,
    freshId: { 'linear-delivery': 'd-replayed' },
    shown: ['d-1', 'd-replayed'],
  },
  {
    type: 'pagerduty',
    config: { secret: 'pd' },
    sign: (b) => ({ ...json, 'x-webhook-id': 'w-1', 'x-pagerduty-signature': `v1=${hmacHex('sha256', 'pd', b)}` }),
    body: '{"event":{"id":"01A","event_type":"incident.triggered","data":{"id":"P1"}}}',
    other: '{"event":{"id":"01B","event_type":"incident.triggered","data":{"id":"P1"}}}',
    freshId: { 'x-webhook-id': 'w-replayed' },
    shown: ['01A', '01A'],
  },
  {
    type: 'standard-webhooks',
    config: { secret: WHSEC },
    // the provider gives every message its own id (here: one per body)
    sign: (b) => {
      const id = b.includes('in_1') ? 'msg_1' : 'msg_other';
      return { ...json, 'webhook-id': id, 'webhook-timestamp': String(NOW_S), 'webhook-signature': signStandardWebhook({ id, timestamp: NOW_S, body: b, secrets: [WHSEC] }) };
    },
    body: '{"type":"invoice.paid","data":{"id":"in_1"}}',
    other: '{"type":"invoice.paid","data":{"id":"in_2"}}',
    // the other family's id header, unsigned here (no svix-signature came)
    freshId: { 'svix-id': 'msg_replayed', 'svix-timestamp': String(NOW_S + 100) },
    shown: ['msg_1', 'msg_1'],
  },
  {
    type: 'svix',
    config: { secret: WHSEC },
    sign: (b) => {
      const id = b.includes('in_1') ? 'msg_2' : 'msg_other';
      return { ...json, 'svix-id': id, 'svix-timestamp': String(NOW_S), 'svix-signature': signStandardWebhook({ id, timestamp: NOW_S, body: b, secrets: [WHSEC] }) };
    },
    body: '{"type":"invoice.paid","data":{"id":"in_1"}}',
    other: '{"type":"invoice.paid","data":{"id":"in_2"}}',
    freshId: { 'webhook-id': 'msg_replayed', 'webhook-timestamp': String(NOW_S + 100) },
    shown: ['msg_2', 'msg_2'],
  },
];

describe.each(CASES.map((c) => [c.type, c] as const))('%s', (_type, c) => {
  const first = () => normalize(c.type, c.config, c.body, c.sign(c.body), { url: c.url });

  it('a replay with a fresh unsigned id header keeps the dedup key; the id shown is what came', () => {
    const replay = normalize(c.type, c.config, c.body, { ...c.sign(c.body), ...c.freshId }, { url: c.url });
    expect(replay.dedupKey).toBe(first().dedupKey);
    expect([first().providerEventId, replay.providerEventId]).toEqual(c.shown);
  });

  if (c.relabel) {
    const relabel = c.relabel;
    it('a replay relabelled with another event-type header keeps the dedup key (the type is the unsigned header’s)', () => {
      const replay = normalize(c.type, c.config, c.body, { ...c.sign(c.body), ...c.freshId, ...relabel.headers }, { url: c.url });
      expect(replay.dedupKey).toBe(first().dedupKey);
      expect(replay.type).toBe(relabel.type);
    });
  }

  it('another signed delivery gets another dedup key', () => {
    const other = normalize(c.type, c.config, c.other, c.sign(c.other), { url: c.url });
    expect(other.dedupKey).not.toBe(first().dedupKey);
  });
});

describe('which key each provider deduplicates on', () => {
  it('body-signed providers without a signed id: the digest of the signed body', () => {
    const gh = CASES.find((c) => c.type === 'github')!;
    expect(normalize(gh.type, gh.config, gh.body, gh.sign(gh.body)).dedupKey).toBe(sha256(gh.body));
  });

  it('twilio: the digest of the signed string, so a reordered, re-encoded form is the same delivery', () => {
    const tw = CASES.find((c) => c.type === 'twilio')!;
    const signed = tw.sign(tw.body);
    const reordered = 'To=%2B15558675310&MessageStatus=delivered&MessageSid=S%4D1';
    const a = normalize('twilio', tw.config, tw.body, signed, { url: URL_ });
    const b = normalize('twilio', tw.config, reordered, signed, { url: URL_ });
    expect(a.dedupKey).toBe(sha256(twilioSignedString(URL_, { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+15558675310' })));
    expect(b.dedupKey).toBe(a.dedupKey);
    expect(b.type).toBe('twilio.message.delivered');
  });

  it('linear: a retry with a fresh webhookTimestamp (and Linear-Delivery) is a duplicate', () => {
    const li = CASES.find((c) => c.type === 'linear')!;
    const retryBody = li.body.replace(String(NOW_MS), String(NOW_MS + 30_000));
    const retry = normalize('linear', li.config, retryBody, { ...li.sign(retryBody), 'linear-delivery': 'd-2' }, { now: NOW_MS + 30_000 });
    expect(retry.dedupKey).toBe(normalize('linear', li.config, li.body, li.sign(li.body)).dedupKey);
  });

  it('pagerduty: the signed event.id, not X-Webhook-Id', () => {
    const pd = CASES.find((c) => c.type === 'pagerduty')!;
    expect(normalize(pd.type, pd.config, pd.body, pd.sign(pd.body)).dedupKey).toBe('01A');
  });

  it('stripe: the signed evt_ id, the same when Stripe re-signs a retry later', () => {
    const body = '{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,"data":{"object":{"id":"ch_1"}}}';
    const sign = (t: number) => ({ ...json, 'stripe-signature': `t=${t},v1=${hmacHex('sha256', 'whsec_s', `${t}.`, body)}` });
    expect(normalize('stripe', { secret: 'whsec_s' }, body, sign(NOW_S)).dedupKey).toBe('evt_1');
    expect(normalize('stripe', { secret: 'whsec_s' }, body, sign(NOW_S + 60), { now: NOW_MS + 60_000 }).dedupKey).toBe('evt_1');
  });
});

describe('Standard Webhooks: id and time from the verified header family only', () => {
  const body = '{"type":"invoice.paid","data":{"id":"in_1"}}';
  const webhook = (id: string, ts: number) => ({ ...json, 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook({ id, timestamp: ts, body, secrets: [WHSEC] }) });

  it.each(['standard-webhooks', 'svix', 'clerk', 'resend'])('%s: an unsigned svix-id / svix-timestamp beside webhook-* changes neither the key nor the time', (type) => {
    const event = normalize(type, { secret: WHSEC }, body, { ...webhook('msg_a', NOW_S), 'svix-id': 'msg_forged', 'svix-timestamp': String(NOW_S - 86_400) });
    expect(event).toMatchObject({ providerEventId: 'msg_a', dedupKey: 'msg_a', time: new Date(NOW_MS) });
  });

  it('a new signed message id is a new key (the id is inside the signed content)', () => {
    expect(normalize('standard-webhooks', { secret: WHSEC }, body, webhook('msg_b', NOW_S)).dedupKey).toBe('msg_b');
  });

  it('GitLab with a signing token: the signed webhook-id, not Idempotency-Key or X-Gitlab-Event-UUID', () => {
    const gitlabBody = '{"object_kind":"merge_request","object_attributes":{"action":"open"}}';
    const signature = signStandardWebhook({ id: 'idem-9', timestamp: NOW_S, body: gitlabBody, secrets: [WHSEC] });
    const headers = { ...json, 'webhook-id': 'idem-9', 'webhook-timestamp': String(NOW_S), 'webhook-signature': signature, 'x-gitlab-event': 'Merge Request Hook' };
    const event = normalize('gitlab', { signingToken: WHSEC }, gitlabBody, { ...headers, 'idempotency-key': 'idem-forged', 'x-gitlab-event-uuid': 'u-forged' });
    expect(event).toMatchObject({ type: 'gitlab.merge_request.open', dedupKey: 'idem-9', providerEventId: 'idem-forged' });
  });
});

describe('hmac: a configured id header is the key only when the template signs it', () => {
  const body = '{"type":"order.paid","total":1}';
  const sign = (template: 'header' | 'body', id: string) => ({
    ...json,
    'x-event-id': id,
    'x-signature': hmacHex('sha256', 'hm', ...(template === 'header' ? [`${id}.`, body] : [body])),
  });
  const config = (template: 'header' | 'body') => ({
    secret: 'hm',
    header: 'x-signature',
    signedContent: template === 'header' ? '{header:x-event-id}.{body}' : '{body}',
    eventIdHeader: 'x-event-id',
  });

  it('signed: the header value is the key', () => {
    expect(normalize('hmac', config('header'), body, sign('header', 'e-1')).dedupKey).toBe('e-1');
  });

  it('unsigned: shown, but the key is the signed content, so a fresh id does not make a replay new', () => {
    const a = normalize('hmac', config('body'), body, sign('body', 'e-1'));
    const b = normalize('hmac', config('body'), body, sign('body', 'e-2'));
    expect([a.providerEventId, b.providerEventId]).toEqual(['e-1', 'e-2']);
    expect(b.dedupKey).toBe(a.dedupKey);
    expect(a.dedupKey).toBe(sha256(body));
  });
});
