import {
  anyTimingSafeEqual,
  checkTimestamp,
  decodeDigest,
  fail,
  hmac,
  isFailure,
  parseUnixSeconds,
  pass,
  requireHeader,
  type SecretInput,
  secretList,
  signedContent,
  type SignedRequest,
  type VerificationResult,
  type VerifyOptions,
} from '@switchyard/signing';

/** Verifies `v0=<hex HMAC-SHA256 of "v0:{ts}:{body}">` with a timestamp header (Slack, Zoom). */
export function verifyV0Signature(request: SignedRequest, secret: SecretInput, signatureHeader: string, timestampHeader: string, toleranceSeconds: number, options: VerifyOptions): VerificationResult {
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
