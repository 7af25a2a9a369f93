import { anyTimingSafeEqual, decodeDigest, fail, hmac, isFailure, pass, requireHeader, secretList, signedContent } from '@switchyard/signing';
import { defineVerifier, SECRET_FIELD } from '../core/verifier.js';
import { parseSecretConfig, type SecretConfig } from '../shared/secret-config.js';

const MAX_ENTRIES = 16;

/** PagerDuty v3: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` (one per active secret) over the raw body. */
export const pagerduty = defineVerifier<SecretConfig>({
  type: 'pagerduty',
  configFields: { secret: SECRET_FIELD },
  parseConfig: parseSecretConfig,
  verify(request, config) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    const header = requireHeader(request.headers, 'x-pagerduty-signature');
    if (isFailure(header)) return header;
    const entries = header
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    if (entries.length > MAX_ENTRIES) return fail('malformed', 'x-pagerduty-signature has too many entries');
    const candidates: Buffer[] = [];
    for (const entry of entries) {
      if (!entry.startsWith('v1=')) continue;
      const digest = decodeDigest(entry.slice(3), 'hex');
      if (!digest) return fail('malformed', 'x-pagerduty-signature v1 is not hex');
      candidates.push(digest);
    }
    if (candidates.length === 0) return fail('malformed', 'x-pagerduty-signature has no v1 signature');
    const matched = anyTimingSafeEqual(
      secrets.map((s) => hmac('sha256', s, request.body)),
      candidates,
    );
    return matched === -1 ? fail('bad_signature', 'no v1 signature matches') : pass({ secretIndex: matched, signed: signedContent({ body: true }, request.body) });
  },
});
