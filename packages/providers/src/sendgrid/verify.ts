import { fail } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SETTING_FIELD } from '../core/verifier.js';
import { p256KeyFromBase64, type PublicKeyConfig, verifyTimestamped } from '../shared/public-key.js';

/**
 * SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` (base64 DER ECDSA P-256 /
 * SHA-256) over `{X-Twilio-Email-Event-Webhook-Timestamp}{body}`; the key is base64 DER SPKI.
 */
export const sendgrid = defineVerifier<PublicKeyConfig>({
  type: 'sendgrid',
  configFields: { publicKey: SETTING_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const publicKey = r.string('publicKey', { required: true, maxLength: 1024 }) ?? '';
    if (publicKey && !p256KeyFromBase64(publicKey)) r.problem('publicKey', 'publicKey must be a base64 DER P-256 public key (SubjectPublicKeyInfo)');
    return r.result<PublicKeyConfig>({ publicKey, toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify(request, config, options = {}) {
    const key = p256KeyFromBase64(config.publicKey ?? '');
    if (!key) return fail('invalid_config', 'publicKey is not a P-256 key');
    return verifyTimestamped(request, options, {
      signatureHeader: 'x-twilio-email-event-webhook-signature',
      timestampHeader: 'x-twilio-email-event-webhook-timestamp',
      encoding: 'base64',
      tolerance: config.toleranceSeconds ?? 600,
      key,
      algorithm: 'sha256',
    });
  },
});
