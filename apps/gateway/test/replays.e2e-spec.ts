// Replays with a fresh unsigned id (issue 12, item 3). For each provider that does not sign its
// id header, a captured delivery is sent again under a fresh id (and, where the event type comes
// from an unsigned header, relabelled as another event): it must be answered as a duplicate of
// the first and not published again, while a genuinely new signed delivery is accepted. Every
// delivery is signed with the provider's own library (support/providers.ts names the oracles).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InboundOutcome } from '@switchyard/db';
import { DedupKeySweeper } from '../src/ingest/dedup-key-sweeper.js';
import { createSource, deliver, type Answer, type CreatedSource } from './support/ingest.js';
import { SVIX_SECRET, unique, type Delivery } from './support/providers.js';
import { startTestGateway, type TestGateway } from './support/test-app.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-require-imports */
const octokit = require('@octokit/webhooks-methods') as { sign(secret: string, body: string): Promise<string> };
const { getHmac } = require('@shopify/shopify-api/test-helpers') as { getHmac(body: string, secret: string): string };
const twilioLib = require('twilio') as { getExpectedTwilioSignature(token: string, url: string, params: Record<string, string>): string };
const XHubSignature = require('x-hub-signature') as new (alg: string, secret: string) => { sign(body: string): string };
const { Webhook: StandardWebhook } = require('standardwebhooks') as { Webhook: new (s: string) => { sign(id: string, d: Date, p: string): string } };

const nowS = () => Math.floor(Date.now() / 1000);
const digestKey = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway('replays');
});
afterAll(async () => {
  await t?.close();
});

interface ReplayCase {
  readonly label: string;
  readonly type: string;
  readonly config: Record<string, unknown>;
  /** A signed delivery of a new event (its own body and ids). */
  sign(url: string): Promise<Delivery>;
  /** The same signed bytes under fresh values of every id header the provider leaves unsigned. */
  fresh(d: Delivery): Delivery;
  /** The unsigned id header shown as providereventid. */
  readonly shownId: string;
  /** The same delivery relabelled as another event, where the type comes from an unsigned header. */
  readonly relabel?: { readonly headers: Record<string, string>; readonly type: string };
  readonly expectedType: string;
  /** What the key is: the digest of these bytes (signed content), or a signed id header. */
  readonly key: (d: Delivery, url: string) => string;
}

const json = { 'content-type': 'application/json' };

const CASES: ReplayCase[] = [
  {
    label: 'github',
    type: 'github',
    config: { secret: 'gh-secret' },
    async sign() {
      const body = JSON.stringify({ ref: 'refs/heads/main', after: unique(), repository: { full_name: 'octo/repo' }, commits: [] });
      return { headers: { ...json, 'x-github-event': 'push', 'x-github-delivery': `guid-${unique()}`, 'x-github-hook-id': '42', 'x-hub-signature-256': await octokit.sign('gh-secret', body) }, body };
    },
    fresh: (d) => ({ ...d, headers: { ...d.headers, 'x-github-delivery': `guid-${unique()}`, 'x-github-hook-id': '43' } }),
    shownId: 'x-github-delivery',
    relabel: { headers: { 'x-github-event': 'release' }, type: 'github.release' },
    expectedType: 'github.push',
    key: (d) => digestKey(d.body),
  },
  {
    label: 'shopify',
    type: 'shopify',
    config: { secret: 'shopify-secret' },
    async sign() {
      const body = JSON.stringify({ id: Number(`${Date.now()}`), email: `${unique()}@example.test` });
      return {
        headers: {
          ...json,
          'x-shopify-topic': 'orders/create',
          'x-shopify-event-id': `ev-${unique()}`,
          'x-shopify-webhook-id': `wh-${unique()}`,
          'x-shopify-triggered-at': new Date().toISOString(),
          'x-shopify-shop-domain': 'shop.myshopify.com',
          'x-shopify-hmac-sha256': getHmac(body, 'shopify-secret'),
        },
        body,
      };
    },
    fresh: (d) => ({ ...d, headers: { ...d.headers, 'x-shopify-event-id': `ev-${unique()}`, 'x-shopify-webhook-id': `wh-${unique()}` } }),
    shownId: 'x-shopify-event-id',
    relabel: { headers: { 'x-shopify-topic': 'orders/cancelled' }, type: 'shopify.orders.cancelled' },
    expectedType: 'shopify.orders.create',
    key: (d) => digestKey(d.body),
  },
  {
    label: 'bitbucket',
    type: 'bitbucket',
    config: { secret: 'bitbucket-secret' },
    async sign() {
      const body = JSON.stringify({ repository: { full_name: 'team/repo' }, push: { changes: [{ new: { target: { hash: unique() } } }] } });
      return {
        headers: {
          ...json,
          'x-event-key': 'repo:push',
          'x-request-uuid': `r-${unique()}`,
          'x-hook-uuid': `h-${unique()}`,
          'x-hub-signature': new XHubSignature('sha256', 'bitbucket-secret').sign(body),
        },
        body,
      };
    },
    fresh: (d) => ({ ...d, headers: { ...d.headers, 'x-request-uuid': `r-${unique()}`, 'x-hook-uuid': `h-${unique()}` } }),
    shownId: 'x-request-uuid',
    relabel: { headers: { 'x-event-key': 'pullrequest:fulfilled' }, type: 'bitbucket.pullrequest.fulfilled' },
    expectedType: 'bitbucket.repo.push',
    key: (d) => digestKey(d.body),
  },
  {
    label: 'twilio',
    type: 'twilio',
    config: { secret: 'twilio-auth-token' },
    async sign(url) {
      const params = { AccountSid: 'AC123', MessageSid: `SM${unique()}`, MessageStatus: 'delivered', To: '+15558675310', From: '+15551234567', Body: 'Hello' };
      const sig = twilioLib.getExpectedTwilioSignature('twilio-auth-token', url, params);
      return {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig, 'i-twilio-idempotency-token': `tok-${unique()}` },
        body: new URLSearchParams(params).toString(),
      };
    },
    fresh: (d) => ({ ...d, headers: { ...d.headers, 'i-twilio-idempotency-token': `tok-${unique()}` } }),
    shownId: 'i-twilio-idempotency-token',
    expectedType: 'twilio.message.delivered',
    // the signed string: the URL, then every parameter sorted by name as name+value
    key: (d, url) =>
      digestKey(
        url +
          [...new URLSearchParams(d.body)]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => k + v)
            .join(''),
      ),
  },
  {
    label: 'gitlab (X-Gitlab-Token)',
    type: 'gitlab',
    config: { secret: 'gitlab-token' },
    async sign() {
      const body = JSON.stringify({ object_kind: 'push', after: unique(), project: { path_with_namespace: 'group/app' }, commits: [] });
      return {
        headers: { ...json, 'x-gitlab-event': 'Push Hook', 'idempotency-key': `idem-${unique()}`, 'x-gitlab-event-uuid': `uuid-${unique()}`, 'x-gitlab-token': 'gitlab-token' },
        body,
      };
    },
    fresh: (d) => ({ ...d, headers: { ...d.headers, 'idempotency-key': `idem-${unique()}`, 'x-gitlab-event-uuid': `uuid-${unique()}` } }),
    shownId: 'idempotency-key',
    expectedType: 'gitlab.push',
    key: (d) => digestKey(d.body),
  },
  {
    label: 'gitlab (signing token)',
    type: 'gitlab',
    config: { signingToken: SVIX_SECRET },
    async sign() {
      const id = `idem-${unique()}`;
      const ts = nowS();
      const body = JSON.stringify({ object_kind: 'merge_request', object_attributes: { action: 'open', iid: unique() }, project: { path_with_namespace: 'group/app' } });
      const sig = new StandardWebhook(SVIX_SECRET).sign(id, new Date(ts * 1000), body);
      return {
        headers: {
          ...json,
          'x-gitlab-event': 'Merge Request Hook',
          'idempotency-key': id,
          'x-gitlab-event-uuid': `uuid-${unique()}`,
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': sig,
        },
        body,
      };
    },
    fresh: (d) => ({ ...d, headers: { ...d.headers, 'idempotency-key': `idem-${unique()}`, 'x-gitlab-event-uuid': `uuid-${unique()}` } }),
    shownId: 'idempotency-key',
    expectedType: 'gitlab.merge_request.open',
    key: (d) => d.headers['webhook-id']!,
  },
];

async function deliveriesOf(appId: string): Promise<number> {
  const [row] = (await t.dataSource.query(`SELECT count(*)::int AS n FROM deliveries WHERE app_id = $1`, [appId])) as { n: number }[];
  return row!.n;
}

/** The outcome a request was answered with (Twilio is answered in TwiML, the same either way: read the log). */
async function outcomeOf(source: CreatedSource, answer: Answer): Promise<{ outcome: string; eventId: string | null }> {
  expect(answer.status).toBe(200);
  const last = (await t.requests(source.id)).at(-1)!;
  if (!answer.contentType.startsWith('text/xml')) expect(answer.json()).toEqual({ status: last.outcome, eventId: last.eventId });
  return { outcome: last.outcome, eventId: last.eventId };
}

describe.each(CASES.map((c) => [c.label, c] as const))('%s', (_label, c) => {
  let source: CreatedSource;

  beforeAll(async () => {
    source = await createSource(t, c.type, c.config);
    // an ingest endpoint, so that publishing also shows as deliveries
    await t.svix.ingest.endpoint.create(source.id, { url: 'https://receiver.example.test/hooks' });
  });

  async function first(): Promise<{ d: Delivery; eventId: string }> {
    const d = await c.sign(source.ingestUrl);
    const answer = await outcomeOf(source, await deliver(t, source.ingestUrl, d));
    expect(answer.outcome).toBe(InboundOutcome.Accepted);
    return { d, eventId: answer.eventId! };
  }

  it(`a replay under a fresh ${c.shownId} is answered duplicate and not published again`, async () => {
    const { d, eventId } = await first();
    const messages = (await t.messages(source.appId)).length;
    const deliveries = await deliveriesOf(source.appId);

    const replay = c.fresh(d);
    expect(replay.headers[c.shownId]).not.toBe(d.headers[c.shownId]);
    expect(await outcomeOf(source, await deliver(t, source.ingestUrl, replay))).toEqual({ outcome: InboundOutcome.Duplicate, eventId });
    expect(await t.messages(source.appId)).toHaveLength(messages);
    expect(await deliveriesOf(source.appId)).toBe(deliveries);

    const [accepted, duplicate] = (await t.requests(source.id)).slice(-2);
    const key = c.key(d, source.ingestUrl);
    expect(accepted).toMatchObject({ outcome: InboundOutcome.Accepted, providerEventId: d.headers[c.shownId], dedupKey: key, eventId });
    // the fresh id is kept for display; the key is the signed one
    expect(duplicate).toMatchObject({ outcome: InboundOutcome.Duplicate, providerEventId: replay.headers[c.shownId], dedupKey: key, eventId, messageId: accepted!.messageId });
    const message = (await t.messages(source.appId)).find((m) => m.id === accepted!.messageId)!;
    expect(message.eventType).toBe(c.expectedType);
    expect(JSON.parse(message.payload!)).toMatchObject({ providereventid: d.headers[c.shownId] });
  });

  if (c.relabel) {
    const relabel = c.relabel;
    it(`a replay relabelled as ${relabel.type} (and under a fresh id) is a duplicate too: no ${relabel.type} event is published`, async () => {
      const { d, eventId } = await first();
      const messages = (await t.messages(source.appId)).length;
      const relabelled = { ...c.fresh(d), headers: { ...c.fresh(d).headers, ...relabel.headers } };
      expect(await outcomeOf(source, await deliver(t, source.ingestUrl, relabelled))).toEqual({ outcome: InboundOutcome.Duplicate, eventId });
      expect(await t.messages(source.appId)).toHaveLength(messages);
      expect((await t.messages(source.appId)).filter((m) => m.eventType === relabel.type)).toEqual([]);
    });
  }

  it('a genuinely new signed delivery is accepted and published once, and its own replay is a duplicate', async () => {
    await first();
    const messages = (await t.messages(source.appId)).length;
    const deliveries = await deliveriesOf(source.appId);
    const { d, eventId } = await first();
    expect(await t.messages(source.appId)).toHaveLength(messages + 1);
    expect(await deliveriesOf(source.appId)).toBe(deliveries + 1);
    expect(await outcomeOf(source, await deliver(t, source.ingestUrl, c.fresh(d)))).toEqual({ outcome: InboundOutcome.Duplicate, eventId });
  });
});

describe('Standard Webhooks: only the header family that was verified counts', () => {
  const body = () => JSON.stringify({ type: 'invoice.paid', data: { id: `in_${unique()}` } });
  const webhookHeaders = (b: string, id: string, ts: number) => ({
    ...json,
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': new StandardWebhook(SVIX_SECRET).sign(id, new Date(ts * 1000), b),
  });

  it.each(['standard-webhooks', 'svix', 'clerk'])('%s: a webhook-* delivery resent with an extra unsigned svix-id is a duplicate (1 accepted, 2 duplicates)', async (type) => {
    const source = await createSource(t, type, { secret: SVIX_SECRET });
    const b = body();
    const ts = nowS();
    const signed = webhookHeaders(b, `msg_${unique()}`, ts);
    const answers = [];
    for (const i of [1, 2, 3]) answers.push(await deliver(t, source.ingestUrl, { headers: { ...signed, 'svix-id': `replay-${i}`, 'svix-timestamp': String(ts - 3600) }, body: b }));
    expect(answers.map((a) => a.json().status)).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(new Set(answers.map((a) => a.json().eventId)).size).toBe(1);
    const messages = await t.messages(source.appId);
    expect(messages).toHaveLength(1);
    // the id and time are the signed ones, not the extra headers'
    expect(JSON.parse(messages[0]!.payload!)).toMatchObject({ providereventid: signed['webhook-id'], time: new Date(ts * 1000).toISOString() });
    expect((await t.requests(source.id)).map((r) => r.dedupKey)).toEqual(Array(3).fill(signed['webhook-id']));
  });

  it('the same body under another signed id is a new message (the id is inside the signed content)', async () => {
    const source = await createSource(t, 'standard-webhooks', { secret: SVIX_SECRET });
    const b = body();
    const first = await deliver(t, source.ingestUrl, { headers: webhookHeaders(b, `msg_${unique()}`, nowS()), body: b });
    const second = await deliver(t, source.ingestUrl, { headers: webhookHeaders(b, `msg_${unique()}`, nowS()), body: b });
    expect([first.json().status, second.json().status]).toEqual(['accepted', 'accepted']);
  });
});

describe('DEDUP_WINDOW', () => {
  const age = (sourceId: string, interval: string) => t.dataSource.query(`UPDATE inbound_dedup_keys SET accepted_at = now() - $2::interval WHERE source_id = $1`, [sourceId, interval]);

  it('defaults to 7 days; a key claimed 6 days ago still makes a replay a duplicate', async () => {
    expect(t.settings.dedupWindowMs).toBe(7 * 24 * 3600 * 1000);
    const github = CASES[0]!;
    const source = await createSource(t, 'github', github.config);
    const d = await github.sign(source.ingestUrl);
    expect((await deliver(t, source.ingestUrl, d)).json().status).toBe('accepted');
    await age(source.id, '6 days');
    expect((await deliver(t, source.ingestUrl, github.fresh(d))).json().status).toBe('duplicate');
  });

  it('past the window a replay of a provider without a signed timestamp is accepted again (the documented limit); a signed timestamp refuses it', async () => {
    const github = CASES[0]!;
    const gh = await createSource(t, 'github', github.config);
    const d = await github.sign(gh.ingestUrl);
    const firstId = (await deliver(t, gh.ingestUrl, d)).json().eventId;
    await age(gh.id, '8 days');
    const again = (await deliver(t, gh.ingestUrl, github.fresh(d))).json();
    expect(again).toMatchObject({ status: 'accepted' });
    expect(again.eventId).not.toBe(firstId);
    expect(await t.messages(gh.appId)).toHaveLength(2);

    // Standard Webhooks: a delivery captured 8 days ago carries an 8-day-old signed timestamp
    const sw = await createSource(t, 'standard-webhooks', { secret: SVIX_SECRET });
    const b = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_old' } });
    const old = nowS() - 8 * 24 * 3600;
    const res = await deliver(t, sw.ingestUrl, {
      headers: { ...json, 'webhook-id': 'msg_old', 'webhook-timestamp': String(old), 'webhook-signature': new StandardWebhook(SVIX_SECRET).sign('msg_old', new Date(old * 1000), b) },
      body: b,
    });
    expect({ status: res.status, code: res.json().code }).toEqual({ status: 401, code: 'stale_timestamp' });
  });

  it('the sweeper deletes keys past the window, and only those', async () => {
    const github = CASES[0]!;
    const source = await createSource(t, 'github', github.config);
    for (let i = 0; i < 3; i++) expect((await deliver(t, source.ingestUrl, await github.sign(source.ingestUrl))).json().status).toBe('accepted');
    await t.dataSource.query(
      `UPDATE inbound_dedup_keys SET accepted_at = now() - interval '8 days' WHERE source_id = $1 AND request_id IN (SELECT request_id FROM inbound_dedup_keys WHERE source_id = $1 ORDER BY request_id LIMIT 2)`,
      [source.id],
    );
    expect(await t.app.get(DedupKeySweeper).sweep()).toBeGreaterThanOrEqual(2);
    const [left] = (await t.dataSource.query(`SELECT count(*)::int AS n FROM inbound_dedup_keys WHERE source_id = $1`, [source.id])) as { n: number }[];
    expect(left!.n).toBe(1);
  });
});
