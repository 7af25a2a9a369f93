import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { VERIFIERS } from './sut.js';
import {
  NORMALIZERS,
  normalizeGeneric,
  normalizeGithub,
  normalizeShopify,
  normalizeSlack,
  normalizeStripe,
  normalizeSvix,
  normalizerFor,
  parseBody,
  unixSecondsToDate,
  type InboundRequest,
  type NormalizeOutcome,
  type NormalizedEvent,
} from './sut.js';

type Headers = Record<string, string | string[]>;

/** An inbound request as the gateway hands it over: raw bytes, headers, and the body parsed once. */
function inbound(sourceType: string, body: string | Uint8Array, headers: Headers = {}, contentType?: string, config?: unknown): InboundRequest {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const type = contentType ?? (headers['content-type'] as string | undefined);
  return { sourceType, body: bytes, headers, contentType: type, parsed: parseBody(bytes, type), config };
}

function eventOf(outcome: NormalizeOutcome): NormalizedEvent {
  if (outcome.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

function digest(body: string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// GitHub
// ---------------------------------------------------------------------------------------------

const GH_PR = JSON.stringify({
  action: 'opened',
  number: 2,
  pull_request: { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2', id: 279147437, state: 'open', title: 'Update the README with new information.' },
  repository: { id: 186853002, name: 'Hello-World', full_name: 'Codertocat/Hello-World', private: false },
  sender: { login: 'Codertocat', id: 21031067, type: 'User' },
});
const GH_PUSH = JSON.stringify({
  ref: 'refs/heads/main',
  before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  after: '0000000000000000000000000000000000000000',
  repository: { full_name: 'Codertocat/Hello-World' },
  pusher: { name: 'Codertocat' },
  commits: [],
});
const ghHeaders = (event: string, extra: Headers = {}): Headers => ({
  'content-type': 'application/json',
  'x-github-event': event,
  'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  'x-github-hook-id': '292430182',
  'user-agent': 'GitHub-Hookshot/044aadd',
  ...extra,
});

describe('normalizeGithub', () => {
  it('pull_request.opened: type with action, the delivery GUID shown, the body digest as dedup key, repository as subject', () => {
    const event = eventOf(normalizeGithub(inbound('github', GH_PR, ghHeaders('pull_request'))));
    expect(event).toEqual({
      type: 'github.pull_request.opened',
      providerEventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      dedupKey: digest(GH_PR),
      subject: 'Codertocat/Hello-World',
      datacontenttype: 'application/json',
      data: JSON.parse(GH_PR),
    });
  });

  it('push has no action: github.push', () => {
    expect(eventOf(normalizeGithub(inbound('github', GH_PUSH, ghHeaders('push')))).type).toBe('github.push');
  });

  it('ping (the first delivery of a new hook) is an event too', () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 292430182, hook: { type: 'Repository', events: ['push'] } });
    expect(eventOf(normalizeGithub(inbound('github', ping, ghHeaders('ping')))).type).toBe('github.ping');
  });

  it('an organization event without a repository uses the organization as subject', () => {
    const body = JSON.stringify({ action: 'member_added', organization: { login: 'octo-org' }, membership: { user: { login: 'mona' } } });
    const event = eventOf(normalizeGithub(inbound('github', body, ghHeaders('organization'))));
    expect(event.type).toBe('github.organization.member_added');
    expect(event.subject).toBe('octo-org');
  });

  it('dedup (changed: was hook id + GUID): the key depends on the signed body only, not on the unsigned GUID, hook id or event name', () => {
    const a = eventOf(normalizeGithub(inbound('github', GH_PUSH, ghHeaders('push', { 'x-github-hook-id': '1' }))));
    const freshGuid = eventOf(normalizeGithub(inbound('github', GH_PUSH, ghHeaders('push', { 'x-github-hook-id': '2', 'x-github-delivery': 'fresh' }))));
    const relabelled = eventOf(normalizeGithub(inbound('github', GH_PUSH, ghHeaders('release'))));
    expect(freshGuid.dedupKey).toBe(a.dedupKey);
    expect(relabelled.dedupKey).toBe(a.dedupKey);
    expect(relabelled.type).toBe('github.release');
    expect(freshGuid.providerEventId).toBe('fresh');
    expect(eventOf(normalizeGithub(inbound('github', GH_PR, ghHeaders('push')))).dedupKey).not.toBe(a.dedupKey);
  });

  it('the dedup key is the digest the verifier reports, when there is one', () => {
    const verified = { ok: true as const, signed: { headers: {}, body: true, digest: 'ab'.repeat(32) } };
    expect(eventOf(normalizeGithub({ ...inbound('github', GH_PUSH, ghHeaders('push')), verified })).dedupKey).toBe(`sha256:${'ab'.repeat(32)}`);
  });

  it('form-encoded hooks (payload=<json>) normalize to the same event as JSON ones (their signed bytes, so keys, differ)', () => {
    const form = `payload=${encodeURIComponent(GH_PR)}`;
    const fromForm = eventOf(normalizeGithub(inbound('github', form, ghHeaders('pull_request', { 'content-type': 'application/x-www-form-urlencoded' }))));
    const fromJson = eventOf(normalizeGithub(inbound('github', GH_PR, ghHeaders('pull_request'))));
    expect({ ...fromForm, dedupKey: fromJson.dedupKey }).toEqual(fromJson);
    expect(fromForm.dedupKey).toBe(digest(form));
  });

  it('header names are matched case-insensitively', () => {
    const headers = { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'd-1' };
    expect(eventOf(normalizeGithub(inbound('github', GH_PUSH, headers, 'application/json'))).type).toBe('github.push');
  });

  it('a hostile event name is sanitized into a valid type', () => {
    expect(eventOf(normalizeGithub(inbound('github', GH_PUSH, ghHeaders('pu sh/../x')))).type).toBe('github.pu_sh.x');
  });

  it.each([
    [
      'missing X-GitHub-Event',
      GH_PUSH,
      (() => {
        const h = ghHeaders('push');
        delete h['x-github-event'];
        return h;
      })(),
      'missing X-GitHub-Event header',
    ],
    [
      'missing X-GitHub-Delivery',
      GH_PUSH,
      (() => {
        const h = ghHeaders('push');
        delete h['x-github-delivery'];
        return h;
      })(),
      'missing X-GitHub-Delivery header',
    ],
    ['invalid JSON', '{"ref":', ghHeaders('push'), 'GitHub payload must be JSON'],
    ['a form without payload', 'other=1', ghHeaders('push', { 'content-type': 'application/x-www-form-urlencoded' }), 'GitHub payload must be JSON'],
    ['a form whose payload is not JSON', 'payload=%7Bnope', ghHeaders('push', { 'content-type': 'application/x-www-form-urlencoded' }), 'body is not valid JSON'],
    ['a repeated payload field', 'payload=%7B%7D&payload=%7B%7D', ghHeaders('push', { 'content-type': 'application/x-www-form-urlencoded' }), 'GitHub payload must be JSON'],
    ['plain text', 'hello', ghHeaders('push', { 'content-type': 'text/plain' }), 'GitHub payload must be JSON'],
  ])('rejects %s', (_name, body, headers, reason) => {
    expect(normalizeGithub(inbound('github', body, headers))).toEqual({ kind: 'rejected', reason });
  });
});

// ---------------------------------------------------------------------------------------------
// Stripe
// ---------------------------------------------------------------------------------------------

const STRIPE_EVENT = JSON.stringify({
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  api_version: '2024-06-20',
  created: 1686089970,
  data: { object: { id: 'in_1NG8Dt2eZvKYlo2CjV5Q1M8S', object: 'invoice', amount_paid: 2000, currency: 'usd', customer: 'cus_NffrFeUfNV2Hib' } },
  livemode: false,
  pending_webhooks: 1,
  request: { id: 'req_9vZaTtXgHGE3mY', idempotency_key: 'a2c9a4a5-2f5c-4b4a-9d1e-0f1c2f6e2d11' },
  type: 'invoice.paid',
});

describe('normalizeStripe', () => {
  it('an event: stripe.{type}, evt_ id as dedup key, the object as subject, created as time', () => {
    expect(eventOf(normalizeStripe(inbound('stripe', STRIPE_EVENT, { 'content-type': 'application/json; charset=utf-8' })))).toEqual({
      type: 'stripe.invoice.paid',
      providerEventId: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      dedupKey: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      subject: 'in_1NG8Dt2eZvKYlo2CjV5Q1M8S',
      time: new Date(1686089970 * 1000),
      datacontenttype: 'application/json',
      data: JSON.parse(STRIPE_EVENT),
    });
  });

  it('a v2 thin event (ISO created, no data.object) still normalizes', () => {
    const thin = JSON.stringify({
      id: 'evt_test_65R9Ijk8Ycp1ilVsuEQ16R9Ijk8SQHnHcvTmy4CwCHI',
      object: 'v2.core.event',
      type: 'v1.billing.meter.error_report_triggered',
      created: '2024-09-17T06:20:52.246Z',
      related_object: { id: 'mtr_test_61R9IeFQuQgIqaI2g41JsGhhpr8Bs', type: 'billing.meter', url: '/v1/billing/meters/mtr_test_61R9IeFQ' },
    });
    const event = eventOf(normalizeStripe(inbound('stripe', thin, { 'content-type': 'application/json' })));
    expect(event.type).toBe('stripe.v1.billing.meter.error_report_triggered');
    expect(event.subject).toBeUndefined();
    expect(event.time).toBeUndefined();
  });

  it.each([
    ['no id', JSON.stringify({ type: 'invoice.paid' }), 'Stripe event needs id and type'],
    ['no type', JSON.stringify({ id: 'evt_1' }), 'Stripe event needs id and type'],
    ['a non-string id', JSON.stringify({ id: { $ne: null }, type: 'x' }), 'Stripe event needs id and type'],
    ['an array body', '[1,2]', 'Stripe event needs id and type'],
  ])('rejects an event with %s', (_name, body, reason) => {
    expect(normalizeStripe(inbound('stripe', body, { 'content-type': 'application/json' }))).toEqual({ kind: 'rejected', reason });
  });

  it('rejects a form body', () => {
    expect(normalizeStripe(inbound('stripe', 'id=evt_1&type=x', {}, 'application/x-www-form-urlencoded'))).toEqual({ kind: 'rejected', reason: 'Stripe payload must be JSON' });
  });

  it.each([
    [-1, undefined],
    [0, undefined],
    [1e12, undefined],
    [1686089970, new Date(1686089970000)],
  ])('created %p → time %p', (created, time) => {
    const body = JSON.stringify({ id: 'evt_1', type: 'x', created });
    expect(eventOf(normalizeStripe(inbound('stripe', body, {}, 'application/json'))).time).toEqual(time);
  });
});

// ---------------------------------------------------------------------------------------------
// Shopify
// ---------------------------------------------------------------------------------------------

const SHOPIFY_ORDER = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '403.00', currency: 'USD', line_items: [{ id: 1, quantity: 1 }] });
const classic: Headers = {
  'content-type': 'application/json',
  'x-shopify-topic': 'orders/create',
  'x-shopify-hmac-sha256': 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=',
  'x-shopify-shop-domain': 'example.myshopify.com',
  'x-shopify-api-version': '2025-07',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  'x-shopify-triggered-at': '2025-07-01T12:00:00.123456789Z',
};
const events: Headers = {
  'content-type': 'application/json',
  'shopify-topic': 'products/update',
  'shopify-hmac-sha256': 'x',
  'shopify-shop-domain': 'other.myshopify.com',
  'shopify-api-version': '2025-07',
  'shopify-webhook-id': 'w-2',
  'shopify-event-id': 'e-2',
  'shopify-triggered-at': '2025-07-02T08:00:00Z',
};

describe('normalizeShopify', () => {
  it('classic X-Shopify-* headers: topic as type, Event-Id shown, the body digest as dedup key, shop domain as subject', () => {
    expect(eventOf(normalizeShopify(inbound('shopify', SHOPIFY_ORDER, classic)))).toEqual({
      type: 'shopify.orders.create',
      providerEventId: '98880550-7158-44d4-b7cd-2c97c8a091b5',
      dedupKey: digest(SHOPIFY_ORDER),
      subject: 'example.myshopify.com',
      time: new Date('2025-07-01T12:00:00.123Z'),
      datacontenttype: 'application/json',
      data: JSON.parse(SHOPIFY_ORDER),
    });
  });

  it('Events shopify-* headers', () => {
    const event = eventOf(normalizeShopify(inbound('shopify', SHOPIFY_ORDER, events)));
    expect(event.type).toBe('shopify.products.update');
    expect(event.providerEventId).toBe('e-2');
    expect(event.subject).toBe('other.myshopify.com');
    expect(event.time).toEqual(new Date('2025-07-02T08:00:00Z'));
  });

  it('a fresh Event-Id or another topic on the same body keeps the dedup key (changed: the Event-Id was the key)', () => {
    const first = eventOf(normalizeShopify(inbound('shopify', SHOPIFY_ORDER, classic)));
    const replay = eventOf(normalizeShopify(inbound('shopify', SHOPIFY_ORDER, { ...classic, 'x-shopify-event-id': 'fresh', 'x-shopify-webhook-id': 'fresh', 'x-shopify-topic': 'orders/cancelled' })));
    expect(replay).toMatchObject({ dedupKey: first.dedupKey, providerEventId: 'fresh', type: 'shopify.orders.cancelled' });
  });

  it('shows the webhook id, then a body digest, when there is no event id', () => {
    const { 'x-shopify-event-id': _e, ...noEvent } = classic;
    expect(eventOf(normalizeShopify(inbound('shopify', SHOPIFY_ORDER, noEvent))).providerEventId).toBe('b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
    const { 'x-shopify-webhook-id': _w, ...neither } = noEvent;
    expect(eventOf(normalizeShopify(inbound('shopify', SHOPIFY_ORDER, neither))).providerEventId).toBe(digest(SHOPIFY_ORDER));
  });

  it('an unreadable triggered-at gives no time rather than an Invalid Date', () => {
    expect(eventOf(normalizeShopify(inbound('shopify', SHOPIFY_ORDER, { ...classic, 'x-shopify-triggered-at': 'yesterday-ish' }))).time).toBeUndefined();
  });

  it('nested topics (app_subscriptions/update) become dotted types', () => {
    expect(eventOf(normalizeShopify(inbound('shopify', '{}', { ...classic, 'x-shopify-topic': 'app_subscriptions/update' }))).type).toBe('shopify.app_subscriptions.update');
  });

  it.each([
    ['a missing topic', SHOPIFY_ORDER, { 'content-type': 'application/json' }, 'missing X-Shopify-Topic header'],
    ['a non-JSON body', 'a=1', { ...classic, 'content-type': 'application/x-www-form-urlencoded' }, 'Shopify payload must be JSON'],
    ['invalid JSON', '{', classic, 'Shopify payload must be JSON'],
  ])('rejects %s', (_name, body, headers, reason) => {
    expect(normalizeShopify(inbound('shopify', body, headers))).toEqual({ kind: 'rejected', reason });
  });
});

// ---------------------------------------------------------------------------------------------
// Slack
// ---------------------------------------------------------------------------------------------

const SLACK_CALLBACK = JSON.stringify({
  token: 'XXYYZZ',
  team_id: 'T123ABC456',
  api_app_id: 'A123ABC456',
  event: { type: 'app_mention', user: 'U123ABC456', text: '<@U0LAN0Z89> is it everything a river should be?', ts: '1515449522.000016', channel: 'C123ABC456', event_ts: '1515449522000016' },
  type: 'event_callback',
  authorizations: [{ enterprise_id: 'E123ABC456', team_id: 'T123ABC456', user_id: 'U123ABC456', is_bot: false }],
  event_id: 'Ev123ABC456',
  event_context: 'EC123ABC456',
  event_time: 1515449522000016,
});
const SLASH =
  'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001&enterprise_name=Globular%20Construct%20Inc' +
  '&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=%2Fweather&text=94070' +
  '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456';
const BLOCK_ACTIONS = {
  type: 'block_actions',
  team: { id: 'T9TK3CUKW', domain: 'example' },
  user: { id: 'UA8RXUSPL', username: 'jtorrance' },
  api_app_id: 'AABA1ABCD',
  trigger_id: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
  actions: [{ action_id: 'WaXA', block_id: '=qXel', text: { type: 'plain_text', text: 'View' }, value: 'click_me_123', type: 'button', action_ts: '1548426417.840180' }],
};
const FORM = 'application/x-www-form-urlencoded';

describe('normalizeSlack', () => {
  it('answers the signed url_verification handshake with its challenge, publishing nothing', () => {
    const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    const outcome = normalizeSlack(inbound('slack', body, { 'content-type': 'application/json' }));
    expect(outcome).toEqual({
      kind: 'handshake',
      response: { status: 200, contentType: 'application/json', body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}' },
    });
  });

  it('a challenge with quotes is escaped as JSON', () => {
    const outcome = normalizeSlack(inbound('slack', JSON.stringify({ type: 'url_verification', challenge: 'a"b</script>' }), {}, 'application/json'));
    expect(outcome.kind === 'handshake' && JSON.parse(outcome.response.body)).toEqual({ challenge: 'a"b</script>' });
  });

  it('rejects url_verification without a challenge', () => {
    expect(normalizeSlack(inbound('slack', '{"type":"url_verification"}', {}, 'application/json'))).toEqual({ kind: 'rejected', reason: 'url_verification without challenge' });
  });

  it('event_callback: slack.{event.type}, event_id as dedup key, team as subject, event_time as time', () => {
    const event = eventOf(normalizeSlack(inbound('slack', SLACK_CALLBACK, { 'content-type': 'application/json', 'x-slack-retry-num': '1' })));
    expect(event.type).toBe('slack.app_mention');
    expect(event.providerEventId).toBe('Ev123ABC456');
    expect(event.subject).toBe('T123ABC456');
    expect(event.data).toEqual(JSON.parse(SLACK_CALLBACK));
  });

  it('event_time in seconds becomes the time', () => {
    const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event_time: 1515449522, event: { type: 'message' } });
    expect(eventOf(normalizeSlack(inbound('slack', body, {}, 'application/json'))).time).toEqual(new Date(1515449522000));
  });

  it('a retry of the same event keeps the same dedup key', () => {
    const first = eventOf(normalizeSlack(inbound('slack', SLACK_CALLBACK, {}, 'application/json')));
    const retry = eventOf(normalizeSlack(inbound('slack', SLACK_CALLBACK, { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' }, 'application/json')));
    expect(retry.providerEventId).toBe(first.providerEventId);
  });

  it('event_callback without an inner event type falls back to the outer type', () => {
    const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev9', event: {} });
    expect(eventOf(normalizeSlack(inbound('slack', body, {}, 'application/json'))).type).toBe('slack.event_callback');
  });

  it('other top-level types (app_rate_limited) keep their name; dedup falls back to a digest', () => {
    const body = JSON.stringify({ token: 'x', type: 'app_rate_limited', team_id: 'T123456', minute_rate_limited: 1518467820, api_app_id: 'A123456' });
    const event = eventOf(normalizeSlack(inbound('slack', body, {}, 'application/json')));
    expect(event.type).toBe('slack.app_rate_limited');
    expect(event.providerEventId).toBe(digest(body));
  });

  it('a slash command form becomes slack.slash_command keyed by trigger_id', () => {
    const event = eventOf(normalizeSlack(inbound('slack', SLASH, {}, FORM)));
    expect(event.type).toBe('slack.slash_command');
    expect(event.providerEventId).toBe('13345224609.738474920.8088930838d88f008e0');
    expect(event.subject).toBe('T0001');
    expect(event.data).toMatchObject({ command: '/weather', text: '94070', enterprise_name: 'Globular Construct Inc' });
  });

  it('the Slack docs slash-command body normalizes', () => {
    const docs =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const event = eventOf(normalizeSlack(inbound('slack', docs, {}, FORM)));
    expect(event).toMatchObject({ type: 'slack.slash_command', providerEventId: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c', subject: 'T1DC2JH3J' });
  });

  it('a slash command without trigger_id is keyed by a body digest', () => {
    const body = 'command=%2Fx&team_id=T1&text=hi';
    expect(eventOf(normalizeSlack(inbound('slack', body, {}, FORM))).providerEventId).toBe(digest(body));
  });

  it('an interactive payload form becomes slack.{payload.type}', () => {
    const body = `payload=${encodeURIComponent(JSON.stringify(BLOCK_ACTIONS))}`;
    const event = eventOf(normalizeSlack(inbound('slack', body, {}, FORM)));
    expect(event).toEqual({
      type: 'slack.block_actions',
      providerEventId: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
      dedupKey: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
      subject: 'T9TK3CUKW',
      datacontenttype: 'application/json',
      data: BLOCK_ACTIONS,
    });
  });

  it('view_submission and shortcut payloads', () => {
    for (const type of ['view_submission', 'shortcut', 'message_action']) {
      const body = `payload=${encodeURIComponent(JSON.stringify({ type, team: { id: 'T1' }, trigger_id: `t-${type}` }))}`;
      expect(eventOf(normalizeSlack(inbound('slack', body, {}, FORM))).type).toBe(`slack.${type}`);
    }
  });

  it('an interactive payload without a type is slack.interaction', () => {
    const body = `payload=${encodeURIComponent('{}')}`;
    expect(eventOf(normalizeSlack(inbound('slack', body, {}, FORM))).type).toBe('slack.interaction');
  });

  it.each([
    ['a payload that is not JSON', 'payload=%7Bnope', FORM, 'body is not valid JSON'],
    ['a form that is neither command nor payload', 'foo=bar', FORM, 'unrecognized Slack payload'],
    ['JSON without a type', '{"event":{"type":"message"}}', 'application/json', 'Slack payload has no type'],
    ['plain text', 'hello', 'text/plain', 'unrecognized Slack payload'],
    ['binary', '\u0000\u0001', 'application/octet-stream', 'unrecognized Slack payload'],
  ])('rejects %s', (_name, body, type, reason) => {
    expect(normalizeSlack(inbound('slack', body, {}, type))).toEqual({ kind: 'rejected', reason });
  });
});

// ---------------------------------------------------------------------------------------------
// Svix-signed: svix, standard-webhooks, clerk, resend
// ---------------------------------------------------------------------------------------------

const CLERK_USER_CREATED = JSON.stringify({
  data: { id: 'user_29w83sxmDNGwOuEthce5gg56FcC', object: 'user', first_name: 'Example', email_addresses: [{ email_address: 'example@example.org' }] },
  instance_id: 'ins_123',
  object: 'event',
  timestamp: 1654012591835,
  type: 'user.created',
});
const RESEND_DELIVERED = JSON.stringify({
  type: 'email.delivered',
  created_at: '2024-02-22T23:41:12.126Z',
  data: {
    created_at: '2024-02-22T23:41:11.894719+00:00',
    email_id: '56761188-7520-42d8-8898-ff6fc54ce618',
    from: 'Acme <onboarding@resend.dev>',
    to: ['delivered@resend.dev'],
    subject: 'Sending this example',
  },
});
const svixHeaders = (id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', ts = '1654012592'): Headers => ({ 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': ts, 'svix-signature': 'v1,x' });

describe('normalizeSvix', () => {
  it('clerk: clerk.{type}, svix-id as dedup key, data.id as subject, svix-timestamp as time', () => {
    expect(eventOf(normalizeSvix(inbound('clerk', CLERK_USER_CREATED, svixHeaders())))).toEqual({
      type: 'clerk.user.created',
      providerEventId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      dedupKey: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      subject: 'user_29w83sxmDNGwOuEthce5gg56FcC',
      time: new Date(1654012592000),
      datacontenttype: 'application/json',
      data: JSON.parse(CLERK_USER_CREATED),
    });
  });

  it('resend: resend.email.delivered, no data.id so no subject', () => {
    const event = eventOf(normalizeSvix(inbound('resend', RESEND_DELIVERED, svixHeaders('msg_resend_1'))));
    expect(event.type).toBe('resend.email.delivered');
    expect(event.providerEventId).toBe('msg_resend_1');
    expect(event.subject).toBeUndefined();
  });

  it('standard-webhooks uses the webhook-* headers', () => {
    const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330' };
    const event = eventOf(normalizeSvix(inbound('standard-webhooks', '{"type":"invoice.paid","data":{"id":"inv_1"}}', headers)));
    expect(event).toMatchObject({ type: 'standard-webhooks.invoice.paid', providerEventId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', subject: 'inv_1', time: new Date(1614265330000) });
  });

  it('svix itself, without a type in the body, is svix.event', () => {
    expect(eventOf(normalizeSvix(inbound('svix', '{"test": 2432232314}', svixHeaders()))).type).toBe('svix.event');
  });

  it('an unreadable timestamp gives no time', () => {
    expect(eventOf(normalizeSvix(inbound('svix', CLERK_USER_CREATED, svixHeaders('msg_1', 'soon')))).time).toBeUndefined();
  });

  it.each([
    ['no message id', CLERK_USER_CREATED, { 'content-type': 'application/json' }, 'missing svix-id header'],
    ['a non-JSON body', 'hello', { ...svixHeaders(), 'content-type': 'text/plain' }, 'payload must be JSON'],
  ])('rejects %s', (_name, body, headers, reason) => {
    expect(normalizeSvix(inbound('clerk', body, headers))).toEqual({ kind: 'rejected', reason });
  });
});

// ---------------------------------------------------------------------------------------------
// Generic hmac
// ---------------------------------------------------------------------------------------------

describe('normalizeGeneric (hmac)', () => {
  it.each([
    ['type', { type: 'order.shipped', id: 'ord_1' }, 'hmac.order.shipped'],
    ['event_type', { event_type: 'form_response', event_id: 'x' }, 'hmac.form_response'],
    ['event', { event: 'meeting.started' }, 'hmac.meeting.started'],
    ['nothing', { hello: 'world' }, 'hmac.event'],
    ['a non-string type', { type: { nested: true }, event: 'fallback' }, 'hmac.fallback'],
  ])('takes the name from the body’s %s', (_name, payload, type) => {
    expect(eventOf(normalizeGeneric(inbound('hmac', JSON.stringify(payload), {}, 'application/json'))).type).toBe(type);
  });

  it('configured headers win for the type and the id', () => {
    const config = { secret: 's', header: 'x-sig', eventTypeHeader: 'X-Event-Name', eventIdHeader: 'X-Delivery' };
    const body = JSON.stringify({ type: 'body.type', id: 'body-id' });
    const event = eventOf(normalizeGeneric(inbound('hmac', body, { 'x-event-name': 'Push Hook', 'x-delivery': 'dlv-9' }, 'application/json', config)));
    expect(event.type).toBe('hmac.Push_Hook');
    expect(event.providerEventId).toBe('dlv-9');
  });

  it('configured headers that are absent fall back to the body', () => {
    const config = { eventTypeHeader: 'x-event-name', eventIdHeader: 'x-delivery' };
    const event = eventOf(normalizeGeneric(inbound('hmac', JSON.stringify({ type: 't', id: 'i' }), {}, 'application/json', config)));
    expect(event).toMatchObject({ type: 'hmac.t', providerEventId: 'i' });
  });

  it('without any id, a body digest catches byte-identical replays', () => {
    const body = JSON.stringify({ type: 't' });
    const a = eventOf(normalizeGeneric(inbound('hmac', body, {}, 'application/json')));
    const b = eventOf(normalizeGeneric(inbound('hmac', body, {}, 'application/json')));
    expect(a.providerEventId).toBe(digest(body));
    expect(b.providerEventId).toBe(a.providerEventId);
  });

  it('a text body is carried as text with its content type', () => {
    const event = eventOf(normalizeGeneric(inbound('hmac', 'plain words', {}, 'text/plain; charset=utf-8')));
    expect(event).toMatchObject({ type: 'hmac.event', data: 'plain words', datacontenttype: 'text/plain; charset=utf-8' });
  });

  it('a binary body is carried as base64', () => {
    const bytes = Uint8Array.from([0, 255, 1, 254]);
    const event = eventOf(normalizeGeneric(inbound('hmac', bytes, {}, 'application/octet-stream')));
    expect(event).toMatchObject({ dataBase64: 'AP8B/g==', datacontenttype: 'application/octet-stream' });
    expect(event).not.toHaveProperty('data');
  });

  it('a binary body without a content type is application/octet-stream', () => {
    expect(eventOf(normalizeGeneric(inbound('hmac', Uint8Array.from([0xff]), {}))).datacontenttype).toBe('application/octet-stream');
  });

  it('a blank Content-Type header counts as none (found by pnpm fuzz: the event said datacontenttype "")', () => {
    for (const blank of ['', ' ', '\t']) {
      expect(eventOf(normalizeGeneric(inbound('generic-webhook', Uint8Array.from([0xff]), {}, blank))).datacontenttype).toBe('application/octet-stream');
      expect(eventOf(normalizeGeneric(inbound('hmac', '', {}, blank))).datacontenttype).toBe('application/octet-stream');
    }
  });

  it('a form body is carried as an object', () => {
    const event = eventOf(normalizeGeneric(inbound('hmac', 'a=1&a=2&b=3', {}, FORM)));
    expect(JSON.parse(JSON.stringify(event.data))).toEqual({ a: ['1', '2'], b: '3' });
    expect(event.datacontenttype).toBe('application/json');
  });

  it('an invalid-UTF-8 JSON body is carried as base64, not dropped', () => {
    const bytes = Uint8Array.from([0x7b, 0xff, 0x7d]);
    const event = eventOf(normalizeGeneric(inbound('hmac', bytes, {}, 'application/json')));
    expect(event.dataBase64).toBe(Buffer.from(bytes).toString('base64'));
  });

  it('ignores a non-object config', () => {
    expect(eventOf(normalizeGeneric(inbound('hmac', '{"type":"t"}', {}, 'application/json', 'nonsense'))).type).toBe('hmac.t');
  });
});

// ---------------------------------------------------------------------------------------------
// Registry and robustness
// ---------------------------------------------------------------------------------------------

describe('normalizer registry', () => {
  it('every signing provider has a normalizer, and nothing else is registered', () => {
    expect([...NORMALIZERS.keys()].sort()).toEqual([...VERIFIERS.keys()].sort());
  });

  it.each([
    ['github', normalizeGithub],
    ['stripe', normalizeStripe],
    ['shopify', normalizeShopify],
    ['slack', normalizeSlack],
    ['svix', normalizeSvix],
    ['standard-webhooks', normalizeSvix],
    ['clerk', normalizeSvix],
    ['resend', normalizeSvix],
    ['hmac', normalizeGeneric],
  ])('%s → its normalizer', (type, normalizer) => {
    expect(normalizerFor(type)).toBe(normalizer);
  });

  it.each(['unknown', '', '__proto__', 'GitHub'])('%j → undefined', (type) => {
    expect(normalizerFor(type)).toBeUndefined();
  });

  it.each([...NORMALIZERS.keys()])('%s never throws on random bodies, content types and headers', (type) => {
    const normalizer = normalizerFor(type)!;
    let seed = type.length * 2654435761;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const contentTypes = [undefined, 'application/json', FORM, 'text/plain', 'application/octet-stream', 'application/x+json'];
    const fragments = ['{', '}', '[', ']', '"type"', ':', '"event_callback"', 'payload=', '%7B', 'command=', '&', '"url_verification"', '"challenge"', ',', '1', 'null', '\u00ff'];
    const problems: string[] = [];
    for (let i = 0; i < 500; i++) {
      let text = '';
      const n = Math.floor(rand() * 30);
      for (let j = 0; j < n; j++) text += fragments[Math.floor(rand() * fragments.length)];
      const headers: Headers = {};
      for (const name of ['x-github-event', 'x-github-delivery', 'x-github-hook-id', 'x-shopify-topic', 'shopify-topic', 'x-shopify-triggered-at', 'svix-id', 'svix-timestamp', 'webhook-id']) {
        if (rand() < 0.5) headers[name] = rand() < 0.2 ? ['a', 'b'] : text.slice(0, 20);
      }
      try {
        const outcome = normalizer(inbound(type, text, headers, contentTypes[Math.floor(rand() * contentTypes.length)], { eventTypeHeader: 'x-github-event' }));
        if (!['event', 'handshake', 'rejected'].includes(outcome.kind)) problems.push(`#${i} ${JSON.stringify(outcome)}`);
      } catch (error) {
        problems.push(`#${i} threw ${String(error)} on ${JSON.stringify(text)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('blank provider ids (found by pnpm fuzz)', () => {
  // A blank id was used as the dedup key: every later delivery of the source with the same blank
  // header or field was answered "duplicate" and dropped. Blank ids now fall through like absent ones.
  const cases: [string, string, Headers, string][] = [
    ['twilio', 'MessageStatus=sent', { 'i-twilio-idempotency-token': '' }, FORM],
    ['twilio', '{"type":"x","id":" "}', {}, 'application/json'],
    ['shopify', '{}', { 'x-shopify-topic': 'orders/create', 'x-shopify-event-id': ' ' }, 'application/json'],
    ['gitlab', '{"object_kind":"push"}', { 'idempotency-key': '', 'webhook-id': '\t' }, 'application/json'],
    ['linear', '{"type":"Issue"}', { 'linear-delivery': '' }, 'application/json'],
    ['bitbucket', '{}', { 'x-event-key': 'repo:push', 'x-request-uuid': '' }, 'application/json'],
    ['generic-webhook', '{"id":""}', {}, 'application/json'],
    ['intercom', '{"topic":"ping","id":""}', {}, 'application/json'],
    ['pagerduty', '{"event":{"event_type":"incident.triggered","id":""}}', { 'x-webhook-id': '' }, 'application/json'],
    ['slack', '{"type":"event_callback","event":{"type":"message"},"event_id":""}', {}, 'application/json'],
    ['slack', 'command=%2Fx&trigger_id=', {}, FORM],
  ];
  it.each(cases)('%s %s %j: the body digest, not a blank id', (type, body, headers, contentType) => {
    const event = eventOf(normalizerFor(type)!(inbound(type, body, headers, contentType)));
    expect(event.providerEventId).toBe(digest(body));
  });

  it("a blank notification_id no longer hides Paddle's event_id, and a blank batch id is refused", () => {
    const paddle = eventOf(normalizerFor('paddle')!(inbound('paddle', '{"event_type":"a.b","notification_id":"","event_id":"evt_1"}', {}, 'application/json')));
    expect(paddle.providerEventId).toBe('evt_1');
    expect(normalizerFor('sendgrid')!(inbound('sendgrid', '[{"event":"open","sg_event_id":" "}]', {}, 'application/json'))).toMatchObject({ kind: 'rejected' });
  });
});

describe('unixSecondsToDate', () => {
  it.each([
    [undefined, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [0, undefined],
    [-1, undefined],
    [1e11 + 1, undefined],
    [1, new Date(1000)],
    [1700000000, new Date(1700000000000)],
    [1e11, new Date(1e14)],
  ])('%p → %p', (value, expected) => {
    expect(unixSecondsToDate(value)).toEqual(expected);
  });
});
