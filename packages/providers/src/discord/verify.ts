import { fail } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SETTING_FIELD } from '../core/verifier.js';
import { ed25519KeyFromHex, type PublicKeyConfig, verifyTimestamped } from '../shared/public-key.js';

/** Discord (interactions and webhook events): `X-Signature-Ed25519` (hex) over `{X-Signature-Timestamp}{body}`. */
export const discord = defineVerifier<PublicKeyConfig>({
  type: 'discord',
  configFields: { publicKey: SETTING_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const publicKey = r.string('publicKey', { required: true, maxLength: 128 }) ?? '';
    if (publicKey && !ed25519KeyFromHex(publicKey)) r.problem('publicKey', 'publicKey must be the 64 hex digits of an Ed25519 public key');
    return r.result<PublicKeyConfig>({ publicKey, toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify(request, config, options = {}) {
    const key = ed25519KeyFromHex(config.publicKey ?? '');
    if (!key) return fail('invalid_config', 'publicKey is not an Ed25519 key');
    return verifyTimestamped(request, options, {
      signatureHeader: 'x-signature-ed25519',
      timestampHeader: 'x-signature-timestamp',
      encoding: 'hex',
      tolerance: config.toleranceSeconds ?? 300,
      key,
      algorithm: null,
    });
  },
});
