import { anyTimingSafeEqual, checkTimestamp, decodeDigest, fail, hmac, isFailure, pass, requireHeader, type SecretInput, secretList, signedContent } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

export interface HubspotConfig {
  /** The app's client secret. */
  readonly secret: SecretInput;
  /** Replay window in seconds (HubSpot: 300); 0 disables it. */
  readonly toleranceSeconds?: number;
}

/** HubSpot's documented list of escapes to decode in the URI before signing. */
const DECODE: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URI as HubSpot signs it: those escapes decoded, everything else as sent. */
export function hubspotUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODE[m.toUpperCase()] ?? m);
}

const MS_TIMESTAMP = /^\d{1,15}$/;

/**
 * HubSpot signature v3: `X-HubSpot-Signature-v3: <base64 HMAC-SHA256>` over
 * `{method}{uri}{body}{X-HubSpot-Request-Timestamp}`, the timestamp in milliseconds.
 */
export const hubspot = defineVerifier<HubspotConfig>({
  type: 'hubspot',
  configFields: { secret: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<HubspotConfig>({ secret: r.secret('secret'), toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify(request, config, options = {}) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    if (!request.url || !request.method) return fail('invalid_config', 'the public URL of the request is unknown');
    const signature = requireHeader(request.headers, 'x-hubspot-signature-v3');
    if (isFailure(signature)) return signature;
    const timestampText = requireHeader(request.headers, 'x-hubspot-request-timestamp');
    if (isFailure(timestampText)) return timestampText;
    const given = decodeDigest(signature, 'base64');
    if (!given) return fail('malformed', 'x-hubspot-signature-v3 is not base64');
    if (!MS_TIMESTAMP.test(timestampText)) return fail('malformed', 'x-hubspot-request-timestamp is not a millisecond timestamp');
    const timestamp = Math.floor(Number(timestampText) / 1000);
    const stale = checkTimestamp(timestamp, config.toleranceSeconds ?? 300, options.now ?? Date.now());
    if (stale) return stale;
    const uris = [...new Set([request.url, hubspotUri(request.url)])];
    const expected = uris.flatMap((uri) => secrets.map((s) => hmac('sha256', s, request.method!, uri, request.body, timestampText)));
    const matched = anyTimingSafeEqual(expected, [given]);
    if (matched === -1) return fail('bad_signature', 'x-hubspot-signature-v3 does not match');
    const uri = uris[Math.floor(matched / secrets.length)]!;
    const signed = signedContent({ headers: { 'x-hubspot-request-timestamp': timestampText }, body: true }, request.method, uri, request.body);
    return pass({ timestamp, secretIndex: matched % secrets.length, signed });
  },
});
