import { ConfigReader } from '../config.js';
import { decodeDigest, hmac, isFailure, requireHeader, secretList, signedContent, type SecretInput } from '../primitives.js';
import { fail, pass } from '../result.js';
import { anyTimingSafeEqual } from '../timing-safe.js';
import { defineProvider, SECRET_FIELD } from './provider.js';

export interface SecretConfig {
  readonly secret: SecretInput;
}

const MAX_ENTRIES = 16;

function parseSecretConfig(raw: unknown) {
  const r = new ConfigReader(raw);
  return r.result<SecretConfig>({ secret: r.secret('secret') });
}

/** PagerDuty v3: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` (one per active secret) over the raw body. */
export const pagerduty = defineProvider<SecretConfig>({
  type: 'pagerduty',
  configFields: { secret: SECRET_FIELD },
  parseConfig: parseSecretConfig,
  verify(request, config) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    const header = requireHeader(request.headers, 'x-pagerduty-signature');
    if (isFailure(header)) return header;
    const entries = header.split(',').map((e) => e.trim()).filter((e) => e !== '');
    if (entries.length > MAX_ENTRIES) return fail('malformed', 'x-pagerduty-signature has too many entries');
    const candidates: Buffer[] = [];
    for (const entry of entries) {
      if (!entry.startsWith('v1=')) continue;
      const digest = decodeDigest(entry.slice(3), 'hex');
      if (!digest) return fail('malformed', 'x-pagerduty-signature v1 is not hex');
      candidates.push(digest);
    }
    if (candidates.length === 0) return fail('malformed', 'x-pagerduty-signature has no v1 signature');
    const matched = anyTimingSafeEqual(secrets.map((s) => hmac('sha256', s, request.body)), candidates);
    return matched === -1 ? fail('bad_signature', 'no v1 signature matches') : pass({ secretIndex: matched, signed: signedContent({ body: true }, request.body) });
  },
});

/** Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`. */
export const typeform = defineProvider<SecretConfig>({
  type: 'typeform',
  configFields: { secret: SECRET_FIELD },
  parseConfig: parseSecretConfig,
  verify(request, config) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    const header = requireHeader(request.headers, 'typeform-signature');
    if (isFailure(header)) return header;
    if (!header.startsWith('sha256=')) return fail('malformed', 'typeform-signature does not start with sha256=');
    const given = decodeDigest(header.slice(7), 'base64');
    if (!given) return fail('malformed', 'typeform-signature is not base64');
    const matched = anyTimingSafeEqual(secrets.map((s) => hmac('sha256', s, request.body)), [given]);
    return matched === -1 ? fail('bad_signature', 'typeform-signature does not match') : pass({ secretIndex: matched, signed: signedContent({ body: true }, request.body) });
  },
});

/**
 * Svix's `generic-webhook`: no signature at all. The unguessable ingest URL is the only
 * credential, so use it only for senders that cannot sign.
 */
export const genericWebhook = defineProvider<Record<string, never>>({
  type: 'generic-webhook',
  configFields: {},
  parseConfig(raw) {
    const r = new ConfigReader(raw ?? {});
    if (typeof raw === 'object' && raw !== null) for (const key of Object.keys(raw)) r.problem(key, `${key} is not a generic-webhook setting`);
    return r.result<Record<string, never>>({});
  },
  verify: () => pass(),
});
