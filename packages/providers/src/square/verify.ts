import { anyTimingSafeEqual, decodeDigest, fail, hmac, isFailure, pass, requireHeader, type SecretInput, secretList, signedContent } from '@switchyard/signing';
import { ConfigReader } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

export interface SquareConfig {
  /** The subscription's signature key. */
  readonly secret: SecretInput;
  /** The notification URL exactly as registered with Square; defaults to the public ingest URL. */
  readonly notificationUrl?: string;
}

/** Square: `x-square-hmacsha256-signature: <base64 HMAC-SHA256 of notificationUrl + body>`. */
export const square = defineVerifier<SquareConfig>({
  type: 'square',
  configFields: { secret: SECRET_FIELD, notificationUrl: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const notificationUrl = r.string('notificationUrl', { maxLength: 2048 });
    if (notificationUrl !== undefined && !/^https?:\/\/\S+$/i.test(notificationUrl)) r.problem('notificationUrl', 'notificationUrl must be an http(s) URL');
    return r.result<SquareConfig>({ secret: r.secret('secret'), notificationUrl });
  },
  verify(request, config) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    const url = config.notificationUrl ?? request.url;
    if (!url) return fail('invalid_config', 'no notificationUrl configured');
    const signature = requireHeader(request.headers, 'x-square-hmacsha256-signature');
    if (isFailure(signature)) return signature;
    const given = decodeDigest(signature, 'base64');
    if (!given) return fail('malformed', 'x-square-hmacsha256-signature is not base64');
    const matched = anyTimingSafeEqual(
      secrets.map((s) => hmac('sha256', s, url, request.body)),
      [given],
    );
    return matched === -1 ? fail('bad_signature', 'x-square-hmacsha256-signature does not match') : pass({ secretIndex: matched, signed: signedContent({ body: true }, url, request.body) });
  },
});
