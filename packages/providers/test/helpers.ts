// Test helpers shared by the signing specs. The HMACs here come from @noble/hashes, a pure-JS
// implementation, so a vector built by a helper never shares a code path with node:crypto.
import { expect } from '@jest/globals';
import { hmac as nobleHmac } from '@noble/hashes/hmac';
import { sha1 } from '@noble/hashes/legacy';
import { sha256, sha512 } from '@noble/hashes/sha2';
import type { HeaderBag, SignedRequest, VerificationFailureReason, VerificationResult } from './sut.js';

/** A fixed "now" for the verifiers, in unix seconds (2023-11-14T22:13:20Z). */
export const NOW_S = 1_700_000_000;
/** The same instant in milliseconds, as VerifyOptions.now takes it. */
export const NOW_MS = NOW_S * 1000;

const HASHES = { sha1, sha256, sha512 } as const;

/** Bytes of a string (UTF-8) or a copy of the given bytes. */
export function bytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? new TextEncoder().encode(input) : Uint8Array.from(input);
}

/** Concatenates byte strings and text (UTF-8). */
export function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map(bytes);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** An independent HMAC (pure JS) over the concatenation of the parts. */
export function refHmac(algorithm: keyof typeof HASHES, key: string | Uint8Array, ...parts: (string | Uint8Array)[]): Uint8Array {
  return nobleHmac(HASHES[algorithm], bytes(key), concat(...parts));
}

/** An independent SHA-256 (pure JS) of the concatenation of the parts, in hex: what SignedContent.digest must be. */
export function sha256Hex(...parts: (string | Uint8Array)[]): string {
  return hex(sha256(concat(...parts)));
}

/** Hex of bytes. */
export function hex(input: Uint8Array): string {
  return Buffer.from(input).toString('hex');
}

/** Base64 of bytes. */
export function b64(input: Uint8Array): string {
  return Buffer.from(input).toString('base64');
}

/** A signed request with a Buffer body. */
export function request(body: string | Uint8Array, headers: HeaderBag, extra: { method?: string; url?: string } = {}): SignedRequest {
  return { body: Buffer.from(bytes(body)), headers, ...extra };
}

/** Copy of a byte string with one bit flipped at the given index (default: the middle). */
export function flipByte(body: string | Uint8Array, index?: number): Buffer {
  const copy = Buffer.from(bytes(body));
  const at = index ?? Math.floor(copy.length / 2);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** Asserts a verification result failed with exactly this reason, and says nothing of secrets. */
export function expectFailure(result: VerificationResult, reason: VerificationFailureReason): void {
  expect(result).toMatchObject({ ok: false, reason });
  if (!result.ok) expect(typeof result.detail).toBe('string');
}

/** Asserts a verification result succeeded. */
export function expectOk(result: VerificationResult): void {
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}: ${result.detail}`);
  expect(result.ok).toBe(true);
}

/** Non-UTF-8 bytes: a lone continuation byte, an overlong encoding, a surrogate and 0xFF. */
export const NON_UTF8_BODY = Uint8Array.from([0x7b, 0x22, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0xfe, 0x00, 0x7d]);

/** A header value far larger than any signature (64 KiB). */
export const HUGE = 'a'.repeat(64 * 1024);

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
