// The gateway's path for one request, with the packages only: verify the raw bytes, parse once,
// normalize, wrap in a CloudEvent, and let the cloudevents SDK judge the envelope a receiver gets.
import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { HTTP, type CloudEvent as SdkCloudEvent } from 'cloudevents';
import { verifierFor, signStandardWebhook } from './sut.js';
import { buildCloudEvent, isId, newId, normalizerFor, parseBody, type InboundRequest } from './sut.js';

const NOW_S = 1_700_000_000;
const NOW_MS = NOW_S * 1000;
const SOURCE_ID = 'src_01HF7YAT00AAAAAAAAAAAAAAAA';

const hex = (key: string, ...parts: string[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', key)).digest('hex');
const b64 = (key: string, ...parts: string[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', key)).digest('base64');

interface Case {
  readonly type: string;
  readonly config: unknown;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly expectType: string;
  readonly expectProviderEventId: string;
}

const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const GH_BODY = JSON.stringify({ action: 'opened', repository: { full_name: 'o/r' }, number: 1 });
const STRIPE_BODY = JSON.stringify({ id: 'evt_1', object: 'event', type: 'charge.succeeded', created: NOW_S, data: { object: { id: 'ch_1' } } });
const SHOPIFY_BODY = JSON.stringify({ id: 1, total_price: '1.00' });
const SLACK_BODY = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event_time: NOW_S, event: { type: 'message', text: 'hi' } });
const SLASH_BODY = 'command=%2Fdeploy&text=prod&team_id=T1&trigger_id=tr.1&__proto__=x';
const CLERK_BODY = JSON.stringify({ type: 'user.created', data: { id: 'user_1' }, object: 'event' });
const HMAC_BODY = JSON.stringify({ event: 'order.shipped', id: 'ord_1' });

const CASES: Case[] = [
  {
    type: 'github',
    config: { secret: 'gh' },
    body: GH_BODY,
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'guid-1', 'x-github-hook-id': '7', 'x-hub-signature-256': `sha256=${hex('gh', GH_BODY)}` },
    expectType: 'github.pull_request.opened',
    expectProviderEventId: 'guid-1',
  },
  {
    type: 'stripe',
    config: { secret: 'whsec_s' },
    body: STRIPE_BODY,
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${NOW_S},v1=${hex('whsec_s', `${NOW_S}.`, STRIPE_BODY)}` },
    expectType: 'stripe.charge.succeeded',
    expectProviderEventId: 'evt_1',
  },
  {
    type: 'shopify',
    config: { secret: 'shp' },
    body: SHOPIFY_BODY,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/paid',
      'x-shopify-event-id': 'e-1',
      'x-shopify-shop-domain': 's.myshopify.com',
      'x-shopify-hmac-sha256': b64('shp', SHOPIFY_BODY),
    },
    expectType: 'shopify.orders.paid',
    expectProviderEventId: 'e-1',
  },
  {
    type: 'slack',
    config: { secret: 'sl' },
    body: SLACK_BODY,
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(NOW_S), 'x-slack-signature': `v0=${hex('sl', `v0:${NOW_S}:`, SLACK_BODY)}` },
    expectType: 'slack.message',
    expectProviderEventId: 'Ev1',
  },
  {
    type: 'slack',
    config: { secret: 'sl' },
    body: SLASH_BODY,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(NOW_S), 'x-slack-signature': `v0=${hex('sl', `v0:${NOW_S}:`, SLASH_BODY)}` },
    expectType: 'slack.slash_command',
    expectProviderEventId: 'tr.1',
  },
  {
    type: 'clerk',
    config: { secret: WHSEC },
    body: CLERK_BODY,
    headers: {
      'content-type': 'application/json',
      'svix-id': 'msg_1',
      'svix-timestamp': String(NOW_S),
      'svix-signature': signStandardWebhook({ id: 'msg_1', timestamp: NOW_S, body: CLERK_BODY, secrets: [WHSEC] }),
    },
    expectType: 'clerk.user.created',
    expectProviderEventId: 'msg_1',
  },
  {
    type: 'hmac',
    config: { secret: 'h', header: 'x-signature', prefix: 'sha256=' },
    body: HMAC_BODY,
    headers: { 'content-type': 'application/json', 'x-signature': `sha256=${hex('h', HMAC_BODY)}` },
    expectType: 'hmac.order.shipped',
    expectProviderEventId: 'ord_1',
  },
];

function run(c: Case, body: string = c.body) {
  const provider = verifierFor(c.type)!;
  const config = provider.parseConfig(c.config);
  if (!config.ok) throw new Error(JSON.stringify(config.issues));
  const bytes = Buffer.from(body);
  const verified = provider.verify({ body: bytes, headers: c.headers }, config.config, { now: NOW_MS });
  if (!verified.ok) return { verified };
  const request: InboundRequest = {
    sourceType: c.type,
    body: bytes,
    headers: c.headers,
    contentType: c.headers['content-type'],
    parsed: parseBody(bytes, c.headers['content-type']),
    config: c.config,
    verified,
  };
  const outcome = normalizerFor(c.type)!(request);
  if (outcome.kind !== 'event') return { verified, outcome };
  const envelope = buildCloudEvent({ id: newId('evt'), sourceId: SOURCE_ID, provider: c.type, ...outcome.event });
  return { verified, outcome, envelope };
}

describe('pipeline: verify → parse → normalize → CloudEvent, judged by the cloudevents SDK', () => {
  it.each(CASES.map((c) => [`${c.type} ${c.expectType}`, c] as const))('%s', (_name, c) => {
    const { envelope } = run(c);
    expect(envelope).toBeDefined();
    // Delivered as JSON in structured mode; a receiver parses it with the SDK.
    const received = HTTP.toEvent({ headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(envelope) }) as SdkCloudEvent<unknown>;
    expect(received.validate()).toBe(true);
    expect(received.type).toBe(c.expectType);
    expect(received.source).toBe(`/sources/${SOURCE_ID}`);
    expect(received.provider).toBe(c.type);
    expect(received.providereventid).toBe(c.expectProviderEventId);
    expect(isId('evt', received.id)).toBe(true);
  });

  it.each(CASES.map((c) => [`${c.type} ${c.expectType}`, c] as const))('%s with one changed body byte stops at verification', (_name, c) => {
    const tampered = c.body.slice(0, -1) + (c.body.endsWith('}') ? ']' : 'X');
    const { verified, envelope } = run(c, tampered);
    expect(verified).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(envelope).toBeUndefined();
  });

  it('the slack url_verification handshake is answered, not published', () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'ch-123', token: 't' });
    const c: Case = {
      type: 'slack',
      config: { secret: 'sl' },
      body,
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(NOW_S), 'x-slack-signature': `v0=${hex('sl', `v0:${NOW_S}:`, body)}` },
      expectType: '',
      expectProviderEventId: '',
    };
    const { verified, outcome, envelope } = run(c);
    expect(verified.ok).toBe(true);
    expect(outcome).toEqual({ kind: 'handshake', response: { status: 200, contentType: 'application/json', body: '{"challenge":"ch-123"}' } });
    expect(envelope).toBeUndefined();
  });
});
