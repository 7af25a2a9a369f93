import { decodeWebhookSecret, fail, isFailure, pass, requireHeader, type SecretInput, secretList, type SignedContent, timingSafeEqualStrings, verifyStandardWebhook } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

export interface GitlabConfig {
  /** The webhook's secret token, sent back verbatim in `X-Gitlab-Token`. */
  readonly secret?: SecretInput;
  /** The webhook's signing token (`whsec_…`): Standard Webhooks `webhook-*` headers. */
  readonly signingToken?: SecretInput;
  /** Replay window of the signing-token scheme (default 300); 0 disables it. */
  readonly toleranceSeconds?: number;
}

/**
 * GitLab: the classic `X-Gitlab-Token` (the secret itself, compared in constant time) and/or the
 * newer signing token (Standard Webhooks). Every configured scheme must pass.
 */
export const gitlab = defineVerifier<GitlabConfig>({
  type: 'gitlab',
  configFields: { secret: SECRET_FIELD, signingToken: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const config: GitlabConfig = {
      secret: given.secret !== undefined && given.secret !== null ? r.secret('secret') : undefined,
      signingToken: given.signingToken !== undefined && given.signingToken !== null ? r.secret('signingToken') : undefined,
      toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }),
    };
    if (config.secret === undefined && config.signingToken === undefined) r.problem('secret', 'secret (X-Gitlab-Token) or signingToken is required');
    for (const s of secretList(config.signingToken) ?? []) {
      if (!decodeWebhookSecret(s)) r.problem('signingToken', 'signingToken must be whsec_ followed by base64');
    }
    return r.result(config);
  },
  verify(request, config, options = {}) {
    const tokens = secretList(config.secret);
    const signing = secretList(config.signingToken);
    if (!tokens && !signing) return fail('invalid_config', 'no secret or signingToken configured');
    let secretIndex: number | undefined;
    let timestamp: number | undefined;
    // The plain token signs nothing (whoever holds one request holds the token): only the signing token covers content.
    let signed: SignedContent | undefined;
    if (signing) {
      const result = verifyStandardWebhook(request, { secret: signing, toleranceSeconds: config.toleranceSeconds }, options);
      if (!result.ok) return result;
      timestamp = result.timestamp;
      secretIndex = result.secretIndex;
      signed = result.signed;
    }
    if (tokens) {
      const given = requireHeader(request.headers, 'x-gitlab-token');
      if (isFailure(given)) return given;
      let matched = -1;
      tokens.forEach((t, i) => {
        if (timingSafeEqualStrings(t, given) && matched === -1) matched = i;
      });
      if (matched === -1) return fail('bad_signature', 'x-gitlab-token does not match');
      secretIndex ??= matched;
    }
    return pass({ timestamp, secretIndex, signed });
  },
});
