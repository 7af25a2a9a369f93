// Signed deliveries per provider, built with each provider's own library wherever one can sign,
// otherwise from the documented bytes with @noble/hashes (pure JS, independent of node:crypto)
// and certified with the provider's verify-only library first.
import { createRequire } from 'node:module';
import { hmac as nobleHmac } from '@noble/hashes/hmac';
import { sha1 } from '@noble/hashes/legacy';
import { sha256 } from '@noble/hashes/sha2';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-require-imports */
const Stripe = require('stripe');
const octokit = require('@octokit/webhooks-methods') as {
  sign(secret: string | { secret: string; algorithm: string }, body: string): Promise<string>;
  verify(secret: string, body: string, sig: string): Promise<boolean>;
};
const { getHmac } = require('@shopify/shopify-api/test-helpers') as { getHmac(body: string, secret: string): string };
const { verifySlackRequest } = require('@slack/bolt') as { verifySlackRequest(o: unknown): void };
const { Webhook: SvixWebhook } = require('svix') as { Webhook: new (s: string) => { sign(id: string, d: Date, p: string): string; verify(p: string, h: Record<string, string>): unknown } };
const { Webhook: StandardWebhook } = require('standardwebhooks') as {
  Webhook: new (s: string) => { sign(id: string, d: Date, p: string): string; verify(p: string, h: Record<string, string>): unknown };
};
const { verifyWebhook: clerkVerify } = require('@clerk/backend/webhooks') as { verifyWebhook(r: Request, o: { signingSecret: string }): Promise<unknown> };
const { Resend } = require('resend');
const twilioLib = require('twilio') as {
  getExpectedTwilioSignature(token: string, url: string, params: Record<string, string>): string;
  validateRequest(token: string, sig: string, url: string, params: Record<string, string>): boolean;
  validateRequestWithBody(token: string, sig: string, url: string, body: string): boolean;
  getExpectedBodyHash(body: string): string;
};
const { AwsLambdaReceiver } = require('@zoom/rivet/meetings');
const XHubSignature = require('x-hub-signature') as new (alg: string, secret: string) => { sign(body: string | Buffer): string; verify(sig: string, body: string | Buffer): boolean };
const { Signature: HubspotSignature } = require('@hubspot/api-client') as {
  Signature: { getSignature(m: string, v: string, o: Record<string, unknown>): string; isValid(o: Record<string, unknown>): boolean };
};
const { LinearWebhookClient } = require('@linear/sdk/webhooks') as { LinearWebhookClient: new (s: string) => { verify(b: Buffer, sig: string): boolean } };
const { Paddle } = require('@paddle/paddle-node-sdk');
const { WebhooksHelper } = require('square') as { WebhooksHelper: { verifySignature(o: Record<string, string>): Promise<boolean> } };
const { EventWebhook } = require('@sendgrid/eventwebhook');
const { PrivateKey, Ecdsa } = require('starkbank-ecdsa');
const { prime256v1 } = require('starkbank-ecdsa/ellipticcurve/curve');
const nacl = require('tweetnacl');
const { verifyKey } = require('discord-interactions') as { verifyKey(b: string, s: string, t: string, k: string): Promise<boolean> };

/** One delivery as a provider would send it. */
export interface Delivery {
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Query string appended to the ingest URL (with `?`), if any. */
  readonly search?: string;
  readonly method?: string;
}

export interface SignOptions {
  /** The public ingest URL the provider calls. */
  readonly url: string;
  /** Sign with this instead of the configured secret (the wrong-secret case). */
  readonly wrongSecret?: boolean;
  /** Unix seconds to sign with; default now. */
  readonly timestampS?: number;
}

export interface ProviderCase {
  readonly type: string;
  readonly config: (url: string) => Record<string, unknown>;
  /** A fresh signed delivery with a unique provider event id. */
  sign(options: SignOptions): Promise<Delivery>;
  /** The provider's own library accepts the delivery (vector certification). */
  certify?(delivery: Delivery, options: SignOptions): Promise<boolean>;
  /** The header removed for the missing-header case. */
  readonly signatureHeader: string;
  /** True when the scheme signs a timestamp (a stale one must be refused). */
  readonly timestamped: boolean;
  /** False when the scheme does not sign the body (GitLab's plain token). */
  readonly signsBody?: boolean;
  readonly expectedType: string;
  /** What the oracle named the oracle used, for the report. */
  readonly oracle: string;
}

let counter = 0;
/** A unique suffix for event ids. */
export function unique(): string {
  counter += 1;
  return `${Date.now().toString(36)}${counter}`;
}

const nowS = () => Math.floor(Date.now() / 1000);
const enc = (s: string | Uint8Array) => (typeof s === 'string' ? new TextEncoder().encode(s) : s);
const nobleHex = (hash: typeof sha256, key: string, ...parts: string[]) => Buffer.from(nobleHmac(hash, enc(key), enc(parts.join('')))).toString('hex');
const nobleB64 = (hash: typeof sha256, key: string, ...parts: string[]) => Buffer.from(nobleHmac(hash, enc(key), enc(parts.join('')))).toString('base64');

export const SVIX_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const WRONG_SVIX_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

function svixSigned(type: string, eventType: string, certify?: ProviderCase['certify'], oracle = 'svix Webhook.sign'): ProviderCase {
  return {
    type,
    config: () => ({ secret: SVIX_SECRET }),
    async sign({ wrongSecret, timestampS }) {
      const id = `msg_${unique()}`;
      const ts = timestampS ?? nowS();
      const body = JSON.stringify({ type: eventType, data: { id: `obj_${unique()}` } });
      const signature = new SvixWebhook(wrongSecret ? WRONG_SVIX_SECRET : SVIX_SECRET).sign(id, new Date(ts * 1000), body);
      return { headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': signature }, body };
    },
    certify,
    signatureHeader: 'svix-signature',
    timestamped: true,
    expectedType: `${type}.${eventType}`,
    oracle,
  };
}

const EC_KEY = new PrivateKey(prime256v1);
const EC_WRONG = new PrivateKey(prime256v1);
const EC_PUBLIC = (EC_KEY.publicKey().toPem() as string)
  .split('\n')
  .filter((l) => l && !l.startsWith('-----'))
  .join('');
const ED_KEYS = nacl.sign.keyPair();
const ED_WRONG = nacl.sign.keyPair();
const ED_PUBLIC = Buffer.from(ED_KEYS.publicKey).toString('hex');

export const PROVIDER_CASES: ProviderCase[] = [
  {
    type: 'github',
    config: () => ({ secret: 'gh-secret' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ action: 'opened', number: 1, repository: { full_name: 'octo/repo' } });
      return {
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': `guid-${unique()}`,
          'x-github-hook-id': '42',
          'x-hub-signature-256': await octokit.sign(wrongSecret ? 'wrong' : 'gh-secret', body),
        },
        body,
      };
    },
    certify: (d) => octokit.verify('gh-secret', d.body, d.headers['x-hub-signature-256']!),
    signatureHeader: 'x-hub-signature-256',
    timestamped: false,
    expectedType: 'github.pull_request.opened',
    oracle: '@octokit/webhooks-methods sign/verify',
  },
  {
    type: 'stripe',
    config: () => ({ secret: 'whsec_stripe_test' }),
    async sign({ wrongSecret, timestampS }) {
      const body = JSON.stringify({ id: `evt_${unique()}`, object: 'event', type: 'invoice.paid', created: nowS(), data: { object: { id: 'in_1' } } }, null, 2);
      const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: wrongSecret ? 'whsec_wrong' : 'whsec_stripe_test', timestamp: timestampS ?? nowS() });
      return { headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header }, body };
    },
    async certify(d) {
      Stripe.webhooks.constructEvent(d.body, d.headers['stripe-signature'], 'whsec_stripe_test');
      return true;
    },
    signatureHeader: 'stripe-signature',
    timestamped: true,
    expectedType: 'stripe.invoice.paid',
    oracle: 'stripe generateTestHeaderString/constructEvent',
  },
  {
    type: 'shopify',
    config: () => ({ secret: 'shopify-secret' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ id: 1, email: 'a@example.test' });
      return {
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/create',
          'x-shopify-event-id': `ev-${unique()}`,
          'x-shopify-webhook-id': `wh-${unique()}`,
          'x-shopify-shop-domain': 'shop.myshopify.com',
          'x-shopify-api-version': '2025-01',
          'x-shopify-hmac-sha256': getHmac(body, wrongSecret ? 'wrong' : 'shopify-secret'),
        },
        body,
      };
    },
    signatureHeader: 'x-shopify-hmac-sha256',
    timestamped: false,
    expectedType: 'shopify.orders.create',
    oracle: '@shopify/shopify-api test-helpers getHmac',
  },
  {
    type: 'slack',
    config: () => ({ secret: '8f742231b10e8888abcd99yyyzzz85a5' }),
    async sign({ wrongSecret, timestampS }) {
      const ts = String(timestampS ?? nowS());
      const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: `Ev${unique()}`, event_time: nowS(), event: { type: 'app_mention', text: 'hi' } });
      const sig = `v0=${nobleHex(sha256, wrongSecret ? 'wrong' : '8f742231b10e8888abcd99yyyzzz85a5', `v0:${ts}:`, body)}`;
      return { headers: { 'content-type': 'application/json', 'x-slack-signature': sig, 'x-slack-request-timestamp': ts }, body };
    },
    async certify(d) {
      verifySlackRequest({
        signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
        body: d.body,
        headers: { 'x-slack-signature': d.headers['x-slack-signature'], 'x-slack-request-timestamp': Number(d.headers['x-slack-request-timestamp']) },
      });
      return true;
    },
    signatureHeader: 'x-slack-signature',
    timestamped: true,
    expectedType: 'slack.app_mention',
    oracle: '@noble/hashes, certified by @slack/bolt verifySlackRequest',
  },
  svixSigned('svix', 'invoice.created', async (d) => {
    new SvixWebhook(SVIX_SECRET).verify(d.body, d.headers);
    return true;
  }),
  svixSigned(
    'clerk',
    'user.created',
    async (d, o) => {
      await clerkVerify(new Request(o.url, { method: 'POST', body: d.body, headers: d.headers }), { signingSecret: SVIX_SECRET });
      return true;
    },
    'svix Webhook.sign, certified by @clerk/backend verifyWebhook',
  ),
  svixSigned(
    'resend',
    'email.delivered',
    async (d) => {
      new Resend('re_test').webhooks.verify({
        payload: d.body,
        headers: { id: d.headers['svix-id'], timestamp: d.headers['svix-timestamp'], signature: d.headers['svix-signature'] },
        webhookSecret: SVIX_SECRET,
      });
      return true;
    },
    'svix Webhook.sign, certified by resend webhooks.verify',
  ),
  svixSigned('open-ai', 'response.completed'),
  {
    type: 'gitlab',
    config: () => ({ secret: 'gitlab-token' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ object_kind: 'push', project: { path_with_namespace: 'group/app' }, commits: [] });
      return { headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'idempotency-key': `idem-${unique()}`, 'x-gitlab-token': wrongSecret ? 'wrong' : 'gitlab-token' }, body };
    },
    signatureHeader: 'x-gitlab-token',
    timestamped: false,
    signsBody: false,
    expectedType: 'gitlab.push',
    oracle: 'none (plain token); constant-time compare',
  },
  {
    type: 'gitlab',
    config: () => ({ signingToken: SVIX_SECRET }),
    async sign({ wrongSecret, timestampS }) {
      const id = `idem-${unique()}`;
      const ts = timestampS ?? nowS();
      const body = JSON.stringify({ object_kind: 'merge_request', object_attributes: { action: 'open' }, project: { path_with_namespace: 'group/app' } });
      const sig = new StandardWebhook(wrongSecret ? WRONG_SVIX_SECRET : SVIX_SECRET).sign(id, new Date(ts * 1000), body);
      return {
        headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Merge Request Hook', 'idempotency-key': id, 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig },
        body,
      };
    },
    certify: async (d) => {
      new StandardWebhook(SVIX_SECRET).verify(d.body, d.headers);
      return true;
    },
    signatureHeader: 'webhook-signature',
    timestamped: true,
    expectedType: 'gitlab.merge_request.open',
    oracle: 'standardwebhooks Webhook.sign/verify (signing token)',
  },
  {
    type: 'twilio',
    config: () => ({ secret: 'twilio-auth-token' }),
    async sign({ url, wrongSecret }) {
      const params = { AccountSid: 'AC123', MessageSid: `SM${unique()}`, MessageStatus: 'delivered', To: '+15558675310', From: '+15551234567', Body: 'Hello World! ünïcode' };
      const body = new URLSearchParams(params).toString();
      const sig = twilioLib.getExpectedTwilioSignature(wrongSecret ? 'wrong' : 'twilio-auth-token', url, params);
      return { headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig, 'i-twilio-idempotency-token': `tok-${unique()}` }, body };
    },
    certify: async (d, o) => twilioLib.validateRequest('twilio-auth-token', d.headers['x-twilio-signature']!, o.url, Object.fromEntries(new URLSearchParams(d.body))),
    signatureHeader: 'x-twilio-signature',
    timestamped: false,
    expectedType: 'twilio.message.delivered',
    oracle: 'twilio getExpectedTwilioSignature/validateRequest',
  },
  {
    type: 'zoom',
    config: () => ({ secret: 'zoom-secret-token' }),
    async sign({ wrongSecret, timestampS }) {
      const ts = String(timestampS ?? nowS());
      const body = JSON.stringify({ event: 'meeting.started', event_ts: Date.now(), payload: { account_id: 'A1', object: { uuid: `u-${unique()}`, id: 1 } } });
      const sig = `v0=${nobleHex(sha256, wrongSecret ? 'wrong' : 'zoom-secret-token', `v0:${ts}:`, body)}`;
      return { headers: { 'content-type': 'application/json', 'x-zm-signature': sig, 'x-zm-request-timestamp': ts }, body };
    },
    async certify(d) {
      return (await zoomReceive(d)).statusCode === 200;
    },
    signatureHeader: 'x-zm-signature',
    timestamped: true,
    expectedType: 'zoom.meeting.started',
    oracle: '@noble/hashes, certified by @zoom/rivet AwsLambdaReceiver',
  },
  {
    type: 'meta',
    config: () => ({ secret: 'meta-app-secret', verifyToken: 'meta-verify' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ object: 'page', entry: [{ id: `p${unique()}`, time: nowS(), changes: [{ field: 'feed', value: { item: 'post' } }] }] });
      return { headers: { 'content-type': 'application/json', 'x-hub-signature-256': new XHubSignature('sha256', wrongSecret ? 'wrong' : 'meta-app-secret').sign(body) }, body };
    },
    signatureHeader: 'x-hub-signature-256',
    timestamped: false,
    expectedType: 'meta.page.feed',
    oracle: 'x-hub-signature (sha256)',
  },
  {
    type: 'hubspot',
    config: () => ({ secret: 'hubspot-client-secret' }),
    async sign({ url, wrongSecret, timestampS }) {
      const timestamp = (timestampS ?? nowS()) * 1000 + 123;
      const body = JSON.stringify([
        { eventId: Number(`${Date.now()}${counter++ % 1000}`), subscriptionId: 1, portalId: 62515, occurredAt: Date.now(), subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 123 },
      ]);
      const sig = HubspotSignature.getSignature('POST', 'v3', { clientSecret: wrongSecret ? 'wrong' : 'hubspot-client-secret', requestBody: body, url, timestamp });
      return { headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': String(timestamp) }, body };
    },
    certify: async (d, o) =>
      HubspotSignature.isValid({
        signatureVersion: 'v3',
        signature: d.headers['x-hubspot-signature-v3'],
        clientSecret: 'hubspot-client-secret',
        requestBody: d.body,
        url: o.url,
        method: 'POST',
        timestamp: Number(d.headers['x-hubspot-request-timestamp']),
      }),
    signatureHeader: 'x-hubspot-signature-v3',
    timestamped: true,
    expectedType: 'hubspot.contact.creation',
    oracle: '@hubspot/api-client Signature.getSignature/isValid',
  },
  {
    type: 'linear',
    config: () => ({ secret: 'linear-secret' }),
    async sign({ wrongSecret, timestampS }) {
      const body = JSON.stringify({ action: 'create', type: 'Issue', data: { id: `iss-${unique()}` }, webhookId: 'wh-1', webhookTimestamp: (timestampS ?? nowS()) * 1000 });
      return { headers: { 'content-type': 'application/json', 'linear-signature': nobleHex(sha256, wrongSecret ? 'wrong' : 'linear-secret', body), 'linear-delivery': `d-${unique()}` }, body };
    },
    certify: async (d) => new LinearWebhookClient('linear-secret').verify(Buffer.from(d.body), d.headers['linear-signature']!),
    signatureHeader: 'linear-signature',
    timestamped: true,
    expectedType: 'linear.Issue.create',
    oracle: '@noble/hashes, certified by @linear/sdk LinearWebhookClient.verify',
  },
  {
    type: 'paddle',
    config: () => ({ secret: 'pdl_ntfset_secret' }),
    async sign({ wrongSecret, timestampS }) {
      const ts = String(timestampS ?? nowS());
      const body = JSON.stringify({
        event_id: `evt_${unique()}`,
        notification_id: `ntf_${unique()}`,
        event_type: 'transaction.completed',
        occurred_at: new Date().toISOString(),
        data: { id: 'txn_1' },
      });
      return { headers: { 'content-type': 'application/json', 'paddle-signature': `ts=${ts};h1=${nobleHex(sha256, wrongSecret ? 'wrong' : 'pdl_ntfset_secret', `${ts}:`, body)}` }, body };
    },
    certify: (d) => new Paddle('pdl_dummy').webhooks.isSignatureValid(d.body, 'pdl_ntfset_secret', d.headers['paddle-signature']),
    signatureHeader: 'paddle-signature',
    timestamped: true,
    expectedType: 'paddle.transaction.completed',
    oracle: '@noble/hashes, certified by @paddle/paddle-node-sdk isSignatureValid',
  },
  {
    type: 'square',
    config: () => ({ secret: 'square-signature-key', notificationUrl: 'https://square-hooks.example.test/notify' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ merchant_id: 'M1', type: 'payment.updated', event_id: `e-${unique()}`, created_at: new Date().toISOString(), data: { id: 'pay_1' } });
      const sig = nobleB64(sha256, wrongSecret ? 'wrong' : 'square-signature-key', 'https://square-hooks.example.test/notify', body);
      return { headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': sig }, body };
    },
    certify: (d) =>
      WebhooksHelper.verifySignature({
        requestBody: d.body,
        signatureHeader: d.headers['x-square-hmacsha256-signature']!,
        signatureKey: 'square-signature-key',
        notificationUrl: 'https://square-hooks.example.test/notify',
      }),
    signatureHeader: 'x-square-hmacsha256-signature',
    timestamped: false,
    expectedType: 'square.payment.updated',
    oracle: '@noble/hashes, certified by square WebhooksHelper.verifySignature',
  },
  {
    type: 'sendgrid',
    config: () => ({ publicKey: EC_PUBLIC }),
    async sign({ wrongSecret, timestampS }) {
      const ts = String(timestampS ?? nowS());
      const body = `${JSON.stringify([{ email: 'a@example.test', timestamp: nowS(), event: 'delivered', sg_event_id: `sg-${unique()}`, sg_message_id: 'm1' }])}\r\n`;
      const sig = Ecdsa.sign(ts + body, wrongSecret ? EC_WRONG : EC_KEY).toBase64();
      return { headers: { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': sig, 'x-twilio-email-event-webhook-timestamp': ts }, body };
    },
    async certify(d) {
      const ew = new EventWebhook();
      return ew.verifySignature(ew.convertPublicKeyToECDSA(EC_PUBLIC), d.body, d.headers['x-twilio-email-event-webhook-signature'], d.headers['x-twilio-email-event-webhook-timestamp']);
    },
    signatureHeader: 'x-twilio-email-event-webhook-signature',
    timestamped: true,
    expectedType: 'sendgrid.delivered',
    oracle: 'starkbank-ecdsa Ecdsa.sign, certified by @sendgrid/eventwebhook verifySignature',
  },
  {
    type: 'discord',
    config: () => ({ publicKey: ED_PUBLIC }),
    async sign({ wrongSecret, timestampS }) {
      const ts = String(timestampS ?? nowS());
      const body = JSON.stringify({ id: `${Date.now()}${counter++}`, application_id: 'A1', type: 2, token: 'tok', version: 1, guild_id: 'G1', data: { name: 'ping' } });
      const sig = Buffer.from(nacl.sign.detached(Buffer.from(ts + body), (wrongSecret ? ED_WRONG : ED_KEYS).secretKey)).toString('hex');
      return { headers: { 'content-type': 'application/json', 'x-signature-ed25519': sig, 'x-signature-timestamp': ts }, body };
    },
    certify: (d) => verifyKey(d.body, d.headers['x-signature-ed25519']!, d.headers['x-signature-timestamp']!, ED_PUBLIC),
    signatureHeader: 'x-signature-ed25519',
    timestamped: true,
    expectedType: 'discord.application_command',
    oracle: 'tweetnacl sign.detached, certified by discord-interactions verifyKey',
  },
  {
    type: 'intercom',
    config: () => ({ secret: 'intercom-client-secret' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ type: 'notification_event', id: `notif_${unique()}`, topic: 'conversation.user.created', data: { item: { id: 'c1' } } });
      return { headers: { 'content-type': 'application/json', 'x-hub-signature': new XHubSignature('sha1', wrongSecret ? 'wrong' : 'intercom-client-secret').sign(body) }, body };
    },
    signatureHeader: 'x-hub-signature',
    timestamped: false,
    expectedType: 'intercom.conversation.user.created',
    oracle: 'x-hub-signature (sha1)',
  },
  {
    type: 'bitbucket',
    config: () => ({ secret: 'bitbucket-secret' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ repository: { full_name: 'team/repo' }, push: { changes: [] } });
      return {
        headers: {
          'content-type': 'application/json',
          'x-event-key': 'repo:push',
          'x-request-uuid': `r-${unique()}`,
          'x-hub-signature': new XHubSignature('sha256', wrongSecret ? 'wrong' : 'bitbucket-secret').sign(body),
        },
        body,
      };
    },
    signatureHeader: 'x-hub-signature',
    timestamped: false,
    expectedType: 'bitbucket.repo.push',
    oracle: 'x-hub-signature (sha256)',
  },
  {
    type: 'pagerduty',
    config: () => ({ secret: 'pd-secret' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ event: { id: `01${unique()}`, event_type: 'incident.triggered', resource_type: 'incident', occurred_at: new Date().toISOString(), data: { id: 'PINC1' } } });
      // Two signatures, as during a secret rotation: the old one first.
      const sig = `v1=${nobleHex(sha256, 'old-pd-secret', body)},v1=${nobleHex(sha256, wrongSecret ? 'wrong' : 'pd-secret', body)}`;
      return { headers: { 'content-type': 'application/json', 'x-pagerduty-signature': sig, 'x-webhook-id': `wh-${unique()}` }, body };
    },
    signatureHeader: 'x-pagerduty-signature',
    timestamped: false,
    expectedType: 'pagerduty.incident.triggered',
    oracle: '@noble/hashes (no npm oracle)',
  },
  {
    type: 'typeform',
    config: () => ({ secret: 'typeform-secret' }),
    async sign({ wrongSecret }) {
      const body = JSON.stringify({ event_id: `01${unique()}`, event_type: 'form_response', form_response: { form_id: 'F1', answers: [] } });
      return { headers: { 'content-type': 'application/json', 'typeform-signature': `sha256=${nobleB64(sha256, wrongSecret ? 'wrong' : 'typeform-secret', body)}` }, body };
    },
    signatureHeader: 'typeform-signature',
    timestamped: false,
    expectedType: 'typeform.form_response',
    oracle: '@noble/hashes (no npm oracle)',
  },
  {
    type: 'hmac',
    config: () => ({ secret: 'hmac-secret', header: 'x-signature', prefix: 'sha256=', signedContent: '{timestamp}.{body}', timestampHeader: 'x-timestamp', toleranceSeconds: 120 }),
    async sign({ wrongSecret, timestampS }) {
      const ts = String(timestampS ?? nowS());
      const body = JSON.stringify({ id: `ord-${unique()}`, type: 'order.paid' });
      return { headers: { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': `sha256=${nobleHex(sha256, wrongSecret ? 'wrong' : 'hmac-secret', `${ts}.`, body)}` }, body };
    },
    signatureHeader: 'x-signature',
    timestamped: true,
    expectedType: 'hmac.order.paid',
    oracle: '@noble/hashes',
  },
];

/** Runs a Zoom delivery through Zoom's own receiver (which also answers the URL-validation challenge). */
export async function zoomReceive(d: Delivery, secret = 'zoom-secret-token'): Promise<{ statusCode: number; body: string }> {
  const receiver = new AwsLambdaReceiver({ webhooksSecretToken: secret });
  receiver.init({ eventEmitter: { emit: async () => undefined } });
  const handler = receiver.start();
  return handler({ body: d.body, headers: d.headers, isBase64Encoded: false }, {});
}

/** HMAC helpers for handshake tests built from the documented bytes. */
export const noble = { hex: nobleHex, b64: nobleB64, sha1, sha256 };
