import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../config.js';
import { anyTimingSafeEqual } from '../timing-safe.js';
import { checkTimestamp, decodeDigest, hmac, isFailure, parseUnixSeconds, requireHeader, secretList, signedContent, type SecretInput } from '../primitives.js';
import { fail, pass, type VerificationResult } from '../result.js';
import type { SignedRequest, VerifyOptions } from '../request.js';
import { defineProvider, SECRET_FIELD, SETTING_FIELD } from './provider.js';

export interface SlackConfig {
  /** The app's signing secret. */
  readonly secret: SecretInput;
  /** Replay window in seconds (Slack says five minutes); 0 disables it. */
  readonly toleranceSeconds?: number;
}

/** Verifies `v0=<hex HMAC-SHA256 of "v0:{ts}:{body}">` with a timestamp header (Slack, Zoom). */
export function verifyV0Signature(
  request: SignedRequest,
  secret: SecretInput,
  signatureHeader: string,
  timestampHeader: string,
  toleranceSeconds: number,
  options: VerifyOptions,
): VerificationResult {
  const secrets = secretList(secret);
  if (!secrets) return fail('invalid_config', 'no secret configured');
  const signature = requireHeader(request.headers, signatureHeader);
  if (isFailure(signature)) return signature;
  const timestampText = requireHeader(request.headers, timestampHeader);
  if (isFailure(timestampText)) return timestampText;
  if (!signature.startsWith('v0=')) return fail('malformed', `${signatureHeader} does not start with v0=`);
  const given = decodeDigest(signature.slice(3), 'hex');
  if (!given) return fail('malformed', `${signatureHeader} is not hex`);
  const timestamp = parseUnixSeconds(timestampText);
  if (timestamp === undefined) return fail('malformed', `${timestampHeader} is not a unix timestamp`);
  const stale = checkTimestamp(timestamp, toleranceSeconds, options.now ?? Date.now());
  if (stale) return stale;
  const expected = secrets.map((s) => hmac('sha256', s, `v0:${timestampText}:`, request.body));
  const matched = anyTimingSafeEqual(expected, [given]);
  if (matched === -1) return fail('bad_signature', `${signatureHeader} does not match`);
  return pass({ timestamp, secretIndex: matched, signed: signedContent({ headers: { [timestampHeader]: timestampText }, body: true }, 'v0::', request.body) });
}

/** Slack: `X-Slack-Signature: v0=<hex>` over `v0:{X-Slack-Request-Timestamp}:{body}`. */
export const slack = defineProvider<SlackConfig>({
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
