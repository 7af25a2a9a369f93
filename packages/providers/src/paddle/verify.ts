import { anyTimingSafeEqual, checkTimestamp, decodeDigest, fail, hmac, isFailure, parseUnixSeconds, pass, requireHeader, type SecretInput, secretList, signedContent } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

export interface PaddleConfig {
  /** The notification destination's secret key (`pdl_ntfset_…`). */
  readonly secret: SecretInput;
  /** Replay window in seconds (Paddle's SDK: 5); 0 disables it. */
  readonly toleranceSeconds?: number;
}

const MAX_ENTRIES = 16;

/** Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=…]` over `{ts}:{body}`; any h1 may match. */
export const paddle = defineVerifier<PaddleConfig>({
  type: 'paddle',
  configFields: { secret: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<PaddleConfig>({ secret: r.secret('secret'), toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify(request, config, options = {}) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    const header = requireHeader(request.headers, 'paddle-signature');
    if (isFailure(header)) return header;
    const items = header.split(';');
    if (items.length > MAX_ENTRIES) return fail('malformed', 'paddle-signature has too many entries');
    let timestampText: string | undefined;
    let seen = 0;
    const candidates: Buffer[] = [];
    for (const item of items) {
      const eq = item.indexOf('=');
      if (eq <= 0) return fail('malformed', 'paddle-signature entry is not key=value');
      const key = item.slice(0, eq).trim();
      const value = item.slice(eq + 1).trim();
      if (key === 'ts') {
        seen++;
        timestampText = value;
      } else if (key === 'h1') {
        const digest = decodeDigest(value, 'hex');
        if (!digest) return fail('malformed', 'paddle-signature h1 is not hex');
        candidates.push(digest);
      }
    }
    const timestamp = timestampText === undefined ? undefined : parseUnixSeconds(timestampText);
    if (seen !== 1 || timestamp === undefined) return fail('malformed', 'paddle-signature needs exactly one valid ts=');
    if (candidates.length === 0) return fail('malformed', 'paddle-signature has no h1 signature');
    const stale = checkTimestamp(timestamp, config.toleranceSeconds ?? 5, options.now ?? Date.now());
    if (stale) return stale;
    const matched = anyTimingSafeEqual(
      secrets.map((s) => hmac('sha256', s, `${timestampText}:`, request.body)),
      candidates,
    );
    return matched === -1 ? fail('bad_signature', 'no h1 signature matches') : pass({ timestamp, secretIndex: matched, signed: signedContent({ body: true }, ':', request.body) });
  },
});
