import { ConfigReader } from '../config.js';
import { anyTimingSafeEqual } from '../timing-safe.js';
import { singleHeader } from '../headers.js';
import { decodeDigest, hmac, isFailure, requireHeader, secretList, signedContent, type HmacAlgorithm, type SecretInput } from '../primitives.js';
import { fail, pass, type VerificationResult } from '../result.js';
import type { SignedRequest } from '../request.js';
import { defineProvider, SECRET_FIELD, SETTING_FIELD } from './provider.js';

export interface GithubConfig {
  readonly secret: SecretInput;
  /** Also accept the legacy `X-Hub-Signature: sha1=` header when the sha256 one is absent. */
  readonly allowSha1?: boolean;
}

/** Verifies `<prefix><hex HMAC of the raw body>` in a single header (GitHub, Bitbucket, Intercom, Meta). */
export function verifyHubSignature(
  request: SignedRequest,
  secret: SecretInput,
  header: string,
  algorithm: HmacAlgorithm,
): VerificationResult {
  const secrets = secretList(secret);
  if (!secrets) return fail('invalid_config', 'no secret configured');
  const value = requireHeader(request.headers, header);
  if (isFailure(value)) return value;
  const prefix = `${algorithm}=`;
  if (!value.startsWith(prefix)) return fail('malformed', `${header} does not start with ${prefix}`);
  const given = decodeDigest(value.slice(prefix.length), 'hex');
  if (!given) return fail('malformed', `${header} is not hex`);
  const expected = secrets.map((s) => hmac(algorithm, s, request.body));
  const matched = anyTimingSafeEqual(expected, [given]);
  return matched === -1 ? fail('bad_signature', `${header} does not match`) : pass({ secretIndex: matched, signed: signedContent({ body: true }, request.body) });
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body; legacy sha1 when allowed. */
export const github = defineProvider<GithubConfig>({
  type: 'github',
  configFields: { secret: SECRET_FIELD, allowSha1: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const config: GithubConfig = { secret: r.secret('secret'), allowSha1: r.boolean('allowSha1') };
    return r.result(config);
  },
  verify(request, config) {
    // Fall back to sha1 only when no sha256 header came at all (an oversized one is not absent).
    if (singleHeader(request.headers, 'x-hub-signature-256').kind === 'missing' && config.allowSha1) {
      if (singleHeader(request.headers, 'x-hub-signature').kind !== 'missing') {
        return verifyHubSignature(request, config.secret, 'x-hub-signature', 'sha1');
      }
    }
    return verifyHubSignature(request, config.secret, 'x-hub-signature-256', 'sha256');
  },
});
