import type { SecretInput } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';
import { verifyV0Signature } from '../shared/v0-signature.js';

export interface SlackConfig {
  /** The app's signing secret. */
  readonly secret: SecretInput;
  /** Replay window in seconds (Slack says five minutes); 0 disables it. */
  readonly toleranceSeconds?: number;
}

/** Slack: `X-Slack-Signature: v0=<hex>` over `v0:{X-Slack-Request-Timestamp}:{body}`. */
export const slack = defineVerifier<SlackConfig>({
  type: 'slack',
  configFields: { secret: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<SlackConfig>({
      secret: r.secret('secret'),
      toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }),
    });
  },
  verify(request, config, options = {}) {
    return verifyV0Signature(request, config.secret, 'x-slack-signature', 'x-slack-request-timestamp', config.toleranceSeconds ?? 300, options);
  },
});
