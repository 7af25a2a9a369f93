import { type SecretInput, singleHeader } from '@switchyard/signing';
import { ConfigReader } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';
import { verifyHubSignature } from '../shared/hub-signature.js';

export interface GithubConfig {
  readonly secret: SecretInput;
  /** Also accept the legacy `X-Hub-Signature: sha1=` header when the sha256 one is absent. */
  readonly allowSha1?: boolean;
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body; legacy sha1 when allowed. */
export const github = defineVerifier<GithubConfig>({
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
