import { anyTimingSafeEqual, decodeDigest, fail, hmac, isFailure, pass, requireHeader, secretList, signedContent } from '@switchyard/signing';
import { defineVerifier, SECRET_FIELD } from '../core/verifier.js';
import { parseSecretConfig, type SecretConfig } from '../shared/secret-config.js';

/** Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`. */
export const typeform = defineVerifier<SecretConfig>({
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
    const matched = anyTimingSafeEqual(
      secrets.map((s) => hmac('sha256', s, request.body)),
      [given],
    );
    return matched === -1 ? fail('bad_signature', 'typeform-signature does not match') : pass({ secretIndex: matched, signed: signedContent({ body: true }, request.body) });
  },
});
