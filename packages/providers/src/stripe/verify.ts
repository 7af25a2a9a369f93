import { anyTimingSafeEqual, checkTimestamp, decodeDigest, fail, hmac, isFailure, parseUnixSeconds, pass, requireHeader, type SecretInput, secretList, signedContent } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

export interface StripeConfig {
  /** The endpoint's `whsec_…` signing secret; Stripe keys the HMAC with the whole string. */
  readonly secret: SecretInput;
  /** Replay window in seconds (Stripe's libraries use 300); 0 disables it. */
  readonly toleranceSeconds?: number;
}

const MAX_ENTRIES = 16;

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `{t}.{body}`. */
export const stripe = defineVerifier<StripeConfig>({
  type: 'stripe',
  configFields: { secret: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<StripeConfig>({
      secret: r.secret('secret'),
      toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }),
    });
  },
  verify(request, config, options = {}) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    const header = requireHeader(request.headers, 'stripe-signature');
    if (isFailure(header)) return header;
    const items = header.split(',');
    if (items.length > MAX_ENTRIES) return fail('malformed', 'stripe-signature has too many entries');
    let timestamp: number | undefined;
    let timestampSeen = 0;
    const candidates: Buffer[] = [];
    for (const item of items) {
      const eq = item.indexOf('=');
      if (eq <= 0) return fail('malformed', 'stripe-signature entry is not key=value');
      const key = item.slice(0, eq).trim();
      const value = item.slice(eq + 1).trim();
      if (key === 't') {
        timestampSeen++;
        timestamp = parseUnixSeconds(value);
      } else if (key === 'v1') {
        const digest = decodeDigest(value, 'hex');
        if (!digest) return fail('malformed', 'stripe-signature v1 is not hex');
        candidates.push(digest);
      }
    }
    if (timestampSeen !== 1 || timestamp === undefined) return fail('malformed', 'stripe-signature needs exactly one valid t=');
    if (candidates.length === 0) return fail('malformed', 'stripe-signature has no v1 signature');
    const stale = checkTimestamp(timestamp, config.toleranceSeconds ?? 300, options.now ?? Date.now());
    if (stale) return stale;
    const expected = secrets.map((s) => hmac('sha256', s, `${timestamp}.`, request.body));
    const matched = anyTimingSafeEqual(expected, candidates);
    return matched === -1 ? fail('bad_signature', 'no v1 signature matches') : pass({ timestamp, secretIndex: matched, signed: signedContent({ body: true }, '.', request.body) });
  },
});
