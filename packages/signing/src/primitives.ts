import { createHash, createHmac } from 'node:crypto';
import { singleHeader, type HeaderBag } from './headers.js';
import { fail, type SignedContent, type VerificationFailure } from './result.js';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type DigestEncoding = 'hex' | 'base64' | 'base64url';

/** A secret as configured: one value, or several accepted at once during a rotation. */
export type SecretInput = string | readonly string[];

/** Normalizes a configured secret (or list) into a non-empty list of strings, or undefined. */
export function secretList(secret: SecretInput | undefined): string[] | undefined {
  if (secret === undefined) return undefined;
  const list = typeof secret === 'string' ? [secret] : [...secret];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) return undefined;
  return list;
}

/** Computes an HMAC over the concatenation of the given parts. */
export function hmac(algorithm: HmacAlgorithm, key: string | Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Describes what a signature covers: `parts` are the signed content in signing order with the
 * timestamp's text left out (its separators stay), hashed together into the digest.
 */
export function signedContent(covers: { headers?: Readonly<Record<string, string>>; body: boolean }, ...parts: (string | Uint8Array)[]): SignedContent {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return { headers: covers.headers ?? {}, body: covers.body, digest: hash.digest('hex') };
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** Decodes a digest strictly; returns undefined for anything that is not well-formed. */
export function decodeDigest(text: string, encoding: DigestEncoding): Buffer | undefined {
  switch (encoding) {
    case 'hex':
      return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
    case 'base64':
      return BASE64.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
    case 'base64url':
      // BASE64URL allows at most two trailing '='; Buffer's base64url decoder ignores them.
      return BASE64URL.test(text) ? Buffer.from(text, 'base64url') : undefined;
  }
}

/** Byte length of each algorithm's digest. */
export const DIGEST_BYTES: Readonly<Record<HmacAlgorithm, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/** Reads a required single header, or returns the failure to report. */
export function requireHeader(headers: HeaderBag, name: string): string | VerificationFailure {
  const found = singleHeader(headers, name);
  switch (found.kind) {
    case 'value':
      return found.value;
    case 'missing':
      return fail('missing_header', `missing ${name} header`);
    case 'duplicate':
      return fail('malformed', `${name} header is repeated`);
    case 'too_long':
      return fail('malformed', `${name} header is too long`);
    case 'invalid':
      return fail('malformed', `${name} header is not text`);
  }
}

/** True when the value is a failure result rather than a header value. */
export function isFailure(value: unknown): value is VerificationFailure {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}

const UNIX_SECONDS = /^\d{1,12}$/;

/** Parses a decimal unix timestamp in seconds, strictly. */
export function parseUnixSeconds(text: string): number | undefined {
  return UNIX_SECONDS.test(text) ? Number(text) : undefined;
}

/**
 * Checks a signed timestamp against the clock. A tolerance of 0 or less disables the check.
 * Both directions are enforced: a timestamp from the future is as suspicious as an old one.
 */
export function checkTimestamp(timestampSeconds: number, toleranceSeconds: number, nowMs: number): VerificationFailure | undefined {
  if (!(toleranceSeconds > 0)) return undefined;
  const nowSeconds = Math.floor(nowMs / 1000);
  if (nowSeconds - timestampSeconds > toleranceSeconds) {
    return fail('stale_timestamp', `timestamp is older than ${toleranceSeconds}s`);
  }
  if (timestampSeconds - nowSeconds > toleranceSeconds) {
    return fail('future_timestamp', `timestamp is more than ${toleranceSeconds}s in the future`);
  }
  return undefined;
}

/** Converts body input to bytes without copying buffers. */
export function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
