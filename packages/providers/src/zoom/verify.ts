import type { SecretInput } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';
import { verifyV0Signature } from '../shared/v0-signature.js';

export interface ZoomConfig {
  /** The app's Secret Token. */
  readonly secret: SecretInput;
  /** Replay window in seconds (default 300); 0 disables it. */
  readonly toleranceSeconds?: number;
}

/** Zoom: `x-zm-signature: v0=<hex HMAC-SHA256 of "v0:{x-zm-request-timestamp}:{body}">`. */
export const zoom = defineVerifier<ZoomConfig>({
  type: 'zoom',
  configFields: { secret: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<ZoomConfig>({ secret: r.secret('secret'), toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify: (request, config, options = {}) => verifyV0Signature(request, config.secret, 'x-zm-signature', 'x-zm-request-timestamp', config.toleranceSeconds ?? 300, options),
});
