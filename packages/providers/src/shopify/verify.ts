import { anyTimingSafeEqual, decodeDigest, fail, hmac, isFailure, pass, requireHeader, type SecretInput, secretList, signedContent, singleHeader } from '@switchyard/signing';
import { ConfigReader } from '../core/config.js';
import { defineVerifier, SECRET_FIELD } from '../core/verifier.js';

export interface ShopifyConfig {
  /** The app's client secret (or the store-shown key for admin-created webhooks). */
  readonly secret: SecretInput;
}

/** Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>` (Events: `shopify-hmac-sha256`). */
export const shopify = defineVerifier<ShopifyConfig>({
  type: 'shopify',
  configFields: { secret: SECRET_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<ShopifyConfig>({ secret: r.secret('secret') });
  },
  verify(request, config) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    // Any classic header present (even oversized or repeated) is the one judged, never skipped.
    const name = singleHeader(request.headers, 'x-shopify-hmac-sha256').kind !== 'missing' ? 'x-shopify-hmac-sha256' : 'shopify-hmac-sha256';
    const value = requireHeader(request.headers, name);
    if (isFailure(value)) return value;
    const given = decodeDigest(value, 'base64');
    if (!given) return fail('malformed', `${name} is not base64`);
    const matched = anyTimingSafeEqual(
      secrets.map((s) => hmac('sha256', s, request.body)),
      [given],
    );
    // Only the body is signed: X-Shopify-Topic, -Event-Id, -Webhook-Id and -Triggered-At are not.
    return matched === -1 ? fail('bad_signature', `${name} does not match`) : pass({ secretIndex: matched, signed: signedContent({ body: true }, request.body) });
  },
});
