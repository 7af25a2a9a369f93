// Provider fixtures shared by the fuzz, property and work-bound specs: a valid configuration per
// registered type, and a correctly signed request per type built without the code under test
// (HMACs from @noble/hashes, signatures from node:crypto's own key objects).
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { SVIX_SIGNED_TYPES } from './sut.js';
import { NOW_MS, NOW_S, b64, hex, refHmac } from './helpers.js';

/** Key pairs for the asymmetric providers (SendGrid ECDSA P-256, Discord Ed25519). */
export const EC = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
export const ED = generateKeyPairSync('ed25519');
const EC_PUBLIC_B64 = EC.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const ED_PUBLIC_HEX = ED.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
/** The public URL every fixture request is sent to. */
export const FUZZ_URL = 'https://x.test/in/t';

/** Types that by design verify nothing (Svix's generic-webhook): every request passes. */
export const UNSIGNED = new Set(['generic-webhook']);

/** Every reason a verifier may give. */
export const REASONS = ['missing_header', 'malformed', 'bad_signature', 'stale_timestamp', 'future_timestamp', 'invalid_config'];

/** A valid configuration per provider type, so the fuzz reaches the parsing code, not the config check. */
export const CONFIGS: Record<string, unknown> = {
  github: { secret: 'fuzz-secret', allowSha1: true },
  stripe: { secret: 'whsec_fuzz' },
  shopify: { secret: 'fuzz-secret' },
  slack: { secret: 'fuzz-secret' },
  svix: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  'standard-webhooks': { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  clerk: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  resend: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  hmac: { secret: 'fuzz-secret', header: 'x-signature', prefix: 'sha256=', signedContent: '{timestamp}.{header:x-id}.{body}', timestampHeader: 'x-timestamp' },
  ...Object.fromEntries(SVIX_SIGNED_TYPES.map((t) => [t, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }])),
  'generic-webhook': {},
  gitlab: { secret: 'fuzz-secret', signingToken: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  twilio: { secret: 'fuzz-secret' },
  zoom: { secret: 'fuzz-secret' },
  meta: { secret: 'fuzz-secret', verifyToken: 'fuzz-verify' },
  hubspot: { secret: 'fuzz-secret' },
  linear: { secret: 'fuzz-secret', toleranceSeconds: 0 },
  paddle: { secret: 'fuzz-secret' },
  square: { secret: 'fuzz-secret', notificationUrl: 'https://x.test/square' },
  sendgrid: { publicKey: EC_PUBLIC_B64 },
  discord: { publicKey: ED_PUBLIC_HEX },
  intercom: { secret: 'fuzz-secret' },
  bitbucket: { secret: 'fuzz-secret' },
  pagerduty: { secret: 'fuzz-secret' },
  typeform: { secret: 'fuzz-secret' },
};

const WHSEC_KEY = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');

/** A correctly signed request per provider, built with the independent HMAC. */
export function signedRequest(type: string, body: Uint8Array): Record<string, string> {
  const sw = (prefix: string) => ({
    [`${prefix}-id`]: 'msg_fuzz',
    [`${prefix}-timestamp`]: String(NOW_S),
    [`${prefix}-signature`]: `v1,${b64(refHmac('sha256', WHSEC_KEY, `msg_fuzz.${NOW_S}.`, body))}`,
  });
  switch (type) {
    case 'github':
      return { 'x-hub-signature-256': `sha256=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'stripe':
      return { 'stripe-signature': `t=${NOW_S},v1=${hex(refHmac('sha256', 'whsec_fuzz', `${NOW_S}.`, body))}` };
    case 'shopify':
      return { 'x-shopify-hmac-sha256': b64(refHmac('sha256', 'fuzz-secret', body)) };
    case 'slack':
      return { 'x-slack-signature': `v0=${hex(refHmac('sha256', 'fuzz-secret', `v0:${NOW_S}:`, body))}`, 'x-slack-request-timestamp': String(NOW_S) };
    case 'generic-webhook':
      return {};
    case 'gitlab':
      return { ...sw('webhook'), 'x-gitlab-token': 'fuzz-secret' };
    case 'twilio':
      return { 'x-twilio-signature': b64(refHmac('sha1', 'fuzz-secret', urlFor(type, body))) };
    case 'zoom':
      return { 'x-zm-signature': `v0=${hex(refHmac('sha256', 'fuzz-secret', `v0:${NOW_S}:`, body))}`, 'x-zm-request-timestamp': String(NOW_S) };
    case 'meta':
      return { 'x-hub-signature-256': `sha256=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'hubspot':
      return { 'x-hubspot-signature-v3': b64(refHmac('sha256', 'fuzz-secret', 'POST', FUZZ_URL, body, String(NOW_MS))), 'x-hubspot-request-timestamp': String(NOW_MS) };
    case 'linear':
      return { 'linear-signature': hex(refHmac('sha256', 'fuzz-secret', body)) };
    case 'paddle':
      return { 'paddle-signature': `ts=${NOW_S};h1=${hex(refHmac('sha256', 'fuzz-secret', `${NOW_S}:`, body))}` };
    case 'square':
      return { 'x-square-hmacsha256-signature': b64(refHmac('sha256', 'fuzz-secret', 'https://x.test/square', body)) };
    case 'sendgrid':
      return {
        'x-twilio-email-event-webhook-signature': cryptoSign('sha256', Buffer.concat([Buffer.from(String(NOW_S)), body]), EC.privateKey).toString('base64'),
        'x-twilio-email-event-webhook-timestamp': String(NOW_S),
      };
    case 'discord':
      return { 'x-signature-ed25519': cryptoSign(null, Buffer.concat([Buffer.from(String(NOW_S)), body]), ED.privateKey).toString('hex'), 'x-signature-timestamp': String(NOW_S) };
    case 'intercom':
      return { 'x-hub-signature': `sha1=${hex(refHmac('sha1', 'fuzz-secret', body))}` };
    case 'bitbucket':
      return { 'x-hub-signature': `sha256=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'pagerduty':
      return { 'x-pagerduty-signature': `v1=${hex(refHmac('sha256', 'other-secret', body))},v1=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'typeform':
      return { 'typeform-signature': `sha256=${b64(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'svix':
      return sw('svix');
    case 'standard-webhooks':
      return sw('webhook');
    case 'hmac':
      return { 'x-signature': `sha256=${hex(refHmac('sha256', 'fuzz-secret', `${NOW_S}.id-1.`, body))}`, 'x-timestamp': String(NOW_S), 'x-id': 'id-1' };
    default:
      if ((SVIX_SIGNED_TYPES as readonly string[]).includes(type)) return sw('svix');
      throw new Error(`no builder for ${type}`);
  }
}

/** The URL a request is sent to: Twilio signs JSON bodies through `bodySHA256` in it. */
export function urlFor(type: string, body: Uint8Array): string {
  return type === 'twilio' ? `${FUZZ_URL}?bodySHA256=${createHash('sha256').update(body).digest('hex')}` : FUZZ_URL;
}
