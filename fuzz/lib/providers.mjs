// A valid configuration and a signer per registered provider type, written from each provider's
// documentation (not from the verifiers), so a round trip checks the verifier against the spec.
import { createHash, createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { SVIX_SIGNED_TYPES } from '@switchyard/providers';

/** The instant every target verifies at (VerifyOptions.now), and its unix seconds. */
export const NOW_MS = 1_700_000_000_000;
export const NOW_S = NOW_MS / 1000;
/** The public URL requests are sent to. */
export const URL_BASE = 'https://x.test/in/token';

/** Every reason a verifier may give (packages/signing result.ts). */
export const REASONS = new Set(['missing_header', 'malformed', 'bad_signature', 'stale_timestamp', 'future_timestamp', 'invalid_config']);

const EC = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ED = generateKeyPairSync('ed25519');
const SECRET = 'fuzz-secret';
const WHSEC_B64 = 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
/** A Standard Webhooks secret (24 bytes). */
export const WHSEC = `whsec_${WHSEC_B64}`;
const WHSEC_KEY = Buffer.from(WHSEC_B64, 'base64');

/** A valid configuration per type, so fuzzing reaches the request parsing, not the config check. */
export const CONFIGS = {
  github: { secret: SECRET, allowSha1: true },
  stripe: { secret: 'whsec_fuzz' },
  shopify: { secret: SECRET },
  slack: { secret: SECRET },
  svix: { secret: WHSEC },
  'standard-webhooks': { secret: WHSEC },
  ...Object.fromEntries(SVIX_SIGNED_TYPES.map((t) => [t, { secret: WHSEC }])),
  hmac: { secret: SECRET, header: 'x-signature', prefix: 'sha256=', signedContent: '{timestamp}.{header:x-id}.{body}', timestampHeader: 'x-timestamp' },
  'generic-webhook': {},
  gitlab: { secret: SECRET, signingToken: WHSEC },
  twilio: { secret: SECRET },
  zoom: { secret: SECRET },
  meta: { secret: SECRET, verifyToken: 'fuzz-verify' },
  hubspot: { secret: SECRET },
  linear: { secret: SECRET, toleranceSeconds: 0 },
  paddle: { secret: SECRET },
  square: { secret: SECRET, notificationUrl: 'https://x.test/square' },
  sendgrid: { publicKey: EC.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') },
  discord: { publicKey: ED.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex') },
  intercom: { secret: SECRET },
  bitbucket: { secret: SECRET },
  pagerduty: { secret: SECRET },
  typeform: { secret: SECRET },
};

/** Every header name a verifier reads, for fuzzed header sets. */
export const SIGNATURE_HEADERS = [
  'x-hub-signature-256',
  'x-hub-signature',
  'stripe-signature',
  'x-shopify-hmac-sha256',
  'shopify-hmac-sha256',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'x-signature',
  'x-timestamp',
  'x-id',
  'x-gitlab-token',
  'x-twilio-signature',
  'x-twilio-webhooks-signature-settings',
  'x-zm-signature',
  'x-zm-request-timestamp',
  'x-hubspot-signature-v3',
  'x-hubspot-request-timestamp',
  'linear-signature',
  'paddle-signature',
  'x-square-hmacsha256-signature',
  'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp',
  'x-signature-ed25519',
  'x-signature-timestamp',
  'typeform-signature',
  'x-pagerduty-signature',
  'X-Hub-Signature-256',
  '__proto__',
];

const mac = (algorithm, key, ...parts) => {
  const h = createHmac(algorithm, key);
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (b) => b.toString('hex');
const b64 = (b) => b.toString('base64');

/**
 * A correctly signed request for the type: `{ headers, url, method }` for this body, at `ts`
 * (unix seconds, within every default window of NOW_S) and with message id `id`.
 */
export function signRequest(type, body, { ts = NOW_S, id = 'msg_fuzz' } = {}) {
  const url = URL_BASE;
  const sw = (prefix) => ({
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(ts),
    [`${prefix}-signature`]: `v1,${b64(mac('sha256', WHSEC_KEY, `${id}.${ts}.`, body))}`,
  });
  const post = (headers, target = url) => ({ headers, url: target, method: 'POST' });
  switch (type) {
    case 'github':
      return post({ 'x-hub-signature-256': `sha256=${hex(mac('sha256', SECRET, body))}` });
    case 'stripe':
      return post({ 'stripe-signature': `t=${ts},v1=${hex(mac('sha256', 'whsec_fuzz', `${ts}.`, body))}` });
    case 'shopify':
      return post({ 'x-shopify-hmac-sha256': b64(mac('sha256', SECRET, body)) });
    case 'slack':
      return post({ 'x-slack-signature': `v0=${hex(mac('sha256', SECRET, `v0:${ts}:`, body))}`, 'x-slack-request-timestamp': String(ts) });
    case 'zoom':
      return post({ 'x-zm-signature': `v0=${hex(mac('sha256', SECRET, `v0:${ts}:`, body))}`, 'x-zm-request-timestamp': String(ts) });
    case 'generic-webhook':
      return post({});
    case 'gitlab':
      return post({ ...sw('webhook'), 'x-gitlab-token': SECRET });
    case 'twilio': {
      // JSON bodies: the URL carries bodySHA256; Twilio signs the URL (no parameters).
      const target = `${url}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
      return post({ 'x-twilio-signature': b64(mac('sha1', SECRET, target)) }, target);
    }
    case 'meta':
      return post({ 'x-hub-signature-256': `sha256=${hex(mac('sha256', SECRET, body))}` });
    case 'hubspot': {
      const ms = String(ts * 1000);
      return post({ 'x-hubspot-signature-v3': b64(mac('sha256', SECRET, 'POST', url, body, ms)), 'x-hubspot-request-timestamp': ms });
    }
    case 'linear':
      return post({ 'linear-signature': hex(mac('sha256', SECRET, body)) });
    case 'paddle':
      return post({ 'paddle-signature': `ts=${ts};h1=${hex(mac('sha256', SECRET, `${ts}:`, body))}` });
    case 'square':
      return post({ 'x-square-hmacsha256-signature': b64(mac('sha256', SECRET, 'https://x.test/square', body)) });
    case 'sendgrid':
      return post({
        'x-twilio-email-event-webhook-signature': b64(cryptoSign('sha256', Buffer.concat([Buffer.from(String(ts)), body]), EC.privateKey)),
        'x-twilio-email-event-webhook-timestamp': String(ts),
      });
    case 'discord':
      return post({ 'x-signature-ed25519': hex(cryptoSign(null, Buffer.concat([Buffer.from(String(ts)), body]), ED.privateKey)), 'x-signature-timestamp': String(ts) });
    case 'intercom':
      return post({ 'x-hub-signature': `sha1=${hex(mac('sha1', SECRET, body))}` });
    case 'bitbucket':
      return post({ 'x-hub-signature': `sha256=${hex(mac('sha256', SECRET, body))}` });
    case 'pagerduty':
      return post({ 'x-pagerduty-signature': `v1=${hex(mac('sha256', 'old-secret', body))},v1=${hex(mac('sha256', SECRET, body))}` });
    case 'typeform':
      return post({ 'typeform-signature': `sha256=${b64(mac('sha256', SECRET, body))}` });
    case 'hmac':
      return post({ 'x-signature': `sha256=${hex(mac('sha256', SECRET, `${ts}.${id}.`, body))}`, 'x-timestamp': String(ts), 'x-id': id });
    case 'svix':
      return post(sw('svix'));
    case 'standard-webhooks':
      return post(sw('webhook'));
    default:
      if (SVIX_SIGNED_TYPES.includes(type)) return post(sw('svix'));
      throw new Error(`no signer for ${type}`);
  }
}

/** Types whose verifier accepts requests that carry no signature at all, by design. */
export const UNSIGNED = new Set(['generic-webhook']);
