import { anyTimingSafeEqual, checkTimestamp, decodeDigest, fail, hmac, isFailure, pass, requireHeader, type SecretInput, secretList, signedContent } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

export interface LinearConfig {
  readonly secret: SecretInput;
  /** Window on the body's `webhookTimestamp` in seconds (Linear: 60); 0 disables it. */
  readonly toleranceSeconds?: number;
}

/** The (already verified) body as a JSON object, or undefined. */
function bodyObject(body: Uint8Array): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** Reads `"webhookTimestamp": <ms>` from the body object. */
function webhookTimestampMs(object: Record<string, unknown> | undefined): number | undefined {
  const value = object?.webhookTimestamp;
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * What Linear signs, its timestamp left out: Linear's timestamp lives in the body, and a retry
 * carries a fresh one, so the digest is over the body re-serialized without `webhookTimestamp`
 * (the raw body when it has none or is not an object).
 */
function linearSigned(body: Uint8Array, object: Record<string, unknown> | undefined) {
  if (object && Object.hasOwn(object, 'webhookTimestamp')) {
    try {
      const { webhookTimestamp: _left, ...rest } = object;
      return signedContent({ body: true }, JSON.stringify(rest));
    } catch {
      // too deep to serialize again: the raw bytes still identify this delivery
    }
  }
  return signedContent({ body: true }, body);
}

/** Linear: `Linear-Signature: <hex HMAC-SHA256 of the raw body>`, replay window on the body's `webhookTimestamp`. */
export const linear = defineVerifier<LinearConfig>({
  type: 'linear',
  configFields: { secret: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<LinearConfig>({ secret: r.secret('secret'), toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify(request, config, options = {}) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    const signature = requireHeader(request.headers, 'linear-signature');
    if (isFailure(signature)) return signature;
    const given = decodeDigest(signature, 'hex');
    if (!given) return fail('malformed', 'linear-signature is not hex');
    const matched = anyTimingSafeEqual(
      secrets.map((s) => hmac('sha256', s, request.body)),
      [given],
    );
    if (matched === -1) return fail('bad_signature', 'linear-signature does not match');
    const object = bodyObject(request.body);
    const signed = linearSigned(request.body, object);
    const tolerance = config.toleranceSeconds ?? 60;
    if (tolerance === 0) return pass({ secretIndex: matched, signed });
    const ms = webhookTimestampMs(object);
    if (ms === undefined) return fail('malformed', 'body has no numeric webhookTimestamp');
    const timestamp = Math.floor(ms / 1000);
    const stale = checkTimestamp(timestamp, tolerance, options.now ?? Date.now());
    return stale ?? pass({ timestamp, secretIndex: matched, signed });
  },
});
