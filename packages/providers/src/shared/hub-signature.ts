import {
  anyTimingSafeEqual,
  decodeDigest,
  fail,
  hmac,
  type HmacAlgorithm,
  isFailure,
  pass,
  requireHeader,
  type SecretInput,
  secretList,
  signedContent,
  type SignedRequest,
  type VerificationResult,
} from '@switchyard/signing';

/** Verifies `<prefix><hex HMAC of the raw body>` in a single header (GitHub, Bitbucket, Intercom, Meta). */
export function verifyHubSignature(request: SignedRequest, secret: SecretInput, header: string, algorithm: HmacAlgorithm): VerificationResult {
  const secrets = secretList(secret);
  if (!secrets) return fail('invalid_config', 'no secret configured');
  const value = requireHeader(request.headers, header);
  if (isFailure(value)) return value;
  const prefix = `${algorithm}=`;
  if (!value.startsWith(prefix)) return fail('malformed', `${header} does not start with ${prefix}`);
  const given = decodeDigest(value.slice(prefix.length), 'hex');
  if (!given) return fail('malformed', `${header} is not hex`);
  const expected = secrets.map((s) => hmac(algorithm, s, request.body));
  const matched = anyTimingSafeEqual(expected, [given]);
  return matched === -1 ? fail('bad_signature', `${header} does not match`) : pass({ secretIndex: matched, signed: signedContent({ body: true }, request.body) });
}
