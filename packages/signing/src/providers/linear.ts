import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../config.js';
import { checkTimestamp, decodeDigest, hmac, isFailure, requireHeader, secretList, type SecretInput } from '../primitives.js';
import { fail, pass } from '../result.js';
import { anyTimingSafeEqual } from '../timing-safe.js';
import { defineProvider, SECRET_FIELD, SETTING_FIELD } from './provider.js';

export interface LinearConfig {
  readonly secret: SecretInput;
  /** Window on the body's `webhookTimestamp` in seconds (Linear: 60); 0 disables it. */
  readonly toleranceSeconds?: number;
}

/** Reads `"webhookTimestamp": <ms>` from the (already verified) body without a full JSON parse of untrusted depth. */
function webhookTimestampMs(body: Uint8Array): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const value = (parsed as Record<string, unknown>).webhookTimestamp;
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** Linear: `Linear-Signature: <hex HMAC-SHA256 of the raw body>`, replay window on the body's `webhookTimestamp`. */
export const linear = defineProvider<LinearConfig>({
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
    const matched = anyTimingSafeEqual(secrets.map((s) => hmac('sha256', s, request.body)), [given]);
    if (matched === -1) return fail('bad_signature', 'linear-signature does not match');
    const tolerance = config.toleranceSeconds ?? 60;
    if (tolerance === 0) return pass({ secretIndex: matched });
    const ms = webhookTimestampMs(request.body);
    if (ms === undefined) return fail('malformed', 'body has no numeric webhookTimestamp');
    const timestamp = Math.floor(ms / 1000);
    const stale = checkTimestamp(timestamp, tolerance, options.now ?? Date.now());
    return stale ?? pass({ timestamp, secretIndex: matched });
  },
});
