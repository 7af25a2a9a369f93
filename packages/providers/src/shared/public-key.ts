import { createPublicKey, type KeyObject, verify as cryptoVerify } from 'node:crypto';
import { checkTimestamp, decodeDigest, fail, isFailure, parseUnixSeconds, pass, requireHeader, signedContent, type SignedRequest, type VerifyOptions } from '@switchyard/signing';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** An Ed25519 public key from its 64 hex digits (Discord's form), or undefined. */
export function ed25519KeyFromHex(hex: string): KeyObject | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** A P-256 public key from base64 DER SubjectPublicKeyInfo (SendGrid's form), or undefined. */
export function p256KeyFromBase64(text: string): KeyObject | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) return undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(compact, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

export interface PublicKeyConfig {
  readonly publicKey: string;
  /** Replay window on the signed timestamp in seconds; 0 disables it. */
  readonly toleranceSeconds?: number;
}

export function verifyTimestamped(
  request: SignedRequest,
  options: VerifyOptions,
  spec: { signatureHeader: string; timestampHeader: string; encoding: 'hex' | 'base64'; tolerance: number; key: KeyObject; algorithm: string | null },
) {
  const signature = requireHeader(request.headers, spec.signatureHeader);
  if (isFailure(signature)) return signature;
  const timestampText = requireHeader(request.headers, spec.timestampHeader);
  if (isFailure(timestampText)) return timestampText;
  const given = decodeDigest(signature, spec.encoding);
  if (!given) return fail('malformed', `${spec.signatureHeader} is not ${spec.encoding}`);
  const timestamp = parseUnixSeconds(timestampText);
  if (timestamp === undefined) return fail('malformed', `${spec.timestampHeader} is not a unix timestamp`);
  const stale = checkTimestamp(timestamp, spec.tolerance, options.now ?? Date.now());
  if (stale) return stale;
  let ok = false;
  try {
    ok = cryptoVerify(spec.algorithm, Buffer.concat([Buffer.from(timestampText, 'utf8'), request.body]), spec.key, given);
  } catch {
    ok = false;
  }
  if (!ok) return fail('bad_signature', `${spec.signatureHeader} does not verify`);
  return pass({ timestamp, signed: signedContent({ headers: { [spec.timestampHeader]: timestampText }, body: true }, request.body) });
}
