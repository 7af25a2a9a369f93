import { randomBytes } from 'node:crypto';
import { anyTimingSafeEqual } from './timing-safe.js';
import { singleHeader, type HeaderBag } from './headers.js';
import { checkTimestamp, hmac, isFailure, parseUnixSeconds, requireHeader, secretList, signedContent, toBytes, type SecretInput } from './primitives.js';
import { fail, pass, type VerificationResult } from './result.js';
import type { SignedRequest, VerifyOptions } from './request.js';

/** Prefix of Standard Webhooks (and Svix) symmetric secrets. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Replay window of the Standard Webhooks reference libraries. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Spec bounds for the secret's key length in bytes. */
export const MIN_SECRET_BYTES = 24;
/** Upper spec bound for the secret's key length in bytes. */
export const MAX_SECRET_BYTES = 64;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Generates a new `whsec_` secret holding `byteLength` random bytes (24 to 64, default 32). */
export function generateWebhookSecret(byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < MIN_SECRET_BYTES || byteLength > MAX_SECRET_BYTES) {
    throw new RangeError(`secret length must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`);
  }
  return WEBHOOK_SECRET_PREFIX + randomBytes(byteLength).toString('base64');
}

/** Decodes a `whsec_<base64>` secret (prefix optional) to its key bytes, or undefined if malformed. */
export function decodeWebhookSecret(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (encoded.length === 0 || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : undefined;
}

/** True when the string is a well-formed secret with a key of allowed length. */
export function isValidWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return false;
  const key = decodeWebhookSecret(secret);
  return key !== undefined && key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES;
}

function keyOf(secret: string | Uint8Array): Uint8Array {
  if (typeof secret !== 'string') return secret;
  const key = decodeWebhookSecret(secret);
  if (!key) throw new TypeError('malformed webhook secret');
  return key;
}

/** Signs one message: the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, without the `v1,` prefix. */
export function computeStandardSignature(key: string | Uint8Array, id: string, timestampSeconds: number, body: Uint8Array | string): string {
  return hmac('sha256', keyOf(key), `${id}.${timestampSeconds}.`, toBytes(body)).toString('base64');
}

export interface StandardSignInput {
  readonly id: string;
  /** Unix seconds of this attempt. */
  readonly timestamp: number;
  readonly body: Uint8Array | string;
  /** Every active secret (or its decoded key); one `v1,` entry is produced per secret. */
  readonly secrets: readonly (string | Uint8Array)[];
}

/** Builds the `webhook-signature` header value: space-separated `v1,<base64>` entries, one per secret. */
export function signStandardWebhook(input: StandardSignInput): string {
  if (input.secrets.length === 0) throw new RangeError('at least one secret is required to sign');
  const body = toBytes(input.body);
  return input.secrets.map((s) => `v1,${computeStandardSignature(s, input.id, input.timestamp, body)}`).join(' ');
}

/** The three Standard Webhooks headers for one delivery attempt. */
export function standardWebhookHeaders(input: StandardSignInput): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signStandardWebhook(input),
  };
}

export interface StandardVerifyConfig {
  readonly secret: SecretInput;
  /** Seconds either side of now a timestamp may be; 0 disables the check. Default 300. */
  readonly toleranceSeconds?: number;
}

/** Which header family carried the message: `webhook-*` (Standard Webhooks) or `svix-*`. */
function headerFamily(headers: HeaderBag): 'svix' | 'webhook' {
  return singleHeader(headers, 'svix-signature').kind !== 'missing' ? 'svix' : 'webhook';
}

/** Upper bound on `v1,` entries considered, so a hostile header cannot cost unbounded work. */
const MAX_SIGNATURE_ENTRIES = 16;

/**
 * Verifies a Standard Webhooks message (headers `webhook-*` or `svix-*`) against a list of
 * accepted secrets, with a replay window in both directions.
 */
export function verifyStandardWebhook(request: SignedRequest, config: StandardVerifyConfig, options: VerifyOptions = {}): VerificationResult {
  const secrets = secretList(config.secret);
  if (!secrets) return fail('invalid_config', 'no secret configured');
  const keys = secrets.map(decodeWebhookSecret);
  if (keys.some((k) => k === undefined)) return fail('invalid_config', 'a configured secret is not valid base64');

  const family = headerFamily(request.headers);
  const id = requireHeader(request.headers, `${family}-id`);
  if (isFailure(id)) return id;
  const timestampText = requireHeader(request.headers, `${family}-timestamp`);
  if (isFailure(timestampText)) return timestampText;
  const signatureHeader = requireHeader(request.headers, `${family}-signature`);
  if (isFailure(signatureHeader)) return signatureHeader;

  const timestamp = parseUnixSeconds(timestampText);
  if (timestamp === undefined) return fail('malformed', `${family}-timestamp is not a unix timestamp`);
  const stale = checkTimestamp(timestamp, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, options.now ?? Date.now());
  if (stale) return stale;

  const entries = signatureHeader.split(' ').filter((e) => e.length > 0);
  if (entries.length > MAX_SIGNATURE_ENTRIES) return fail('malformed', `${family}-signature has too many entries`);
  const candidates: Buffer[] = [];
  for (const entry of entries) {
    const comma = entry.indexOf(',');
    if (comma <= 0) return fail('malformed', `${family}-signature entry is not version,signature`);
    // Unknown versions (for example v1a, asymmetric) are skipped, as the reference libraries do.
    if (entry.slice(0, comma) !== 'v1') continue;
    const value = entry.slice(comma + 1);
    if (!BASE64.test(value) || value.length % 4 !== 0) return fail('malformed', `${family}-signature is not base64`);
    candidates.push(Buffer.from(value, 'base64'));
  }
  if (candidates.length === 0) return fail('malformed', `${family}-signature has no v1 entry`);

  const body = request.body;
  const expected = keys.map((key) => hmac('sha256', key!, `${id}.${timestamp}.`, body));
  const matched = anyTimingSafeEqual(expected, candidates);
  if (matched === -1) return fail('bad_signature', 'no signature matches');
  // The id is signed in whichever family was verified; the other family's headers are not.
  const signed = signedContent({ headers: { [`${family}-id`]: id, [`${family}-timestamp`]: timestampText }, body: true }, `${id}..`, body);
  return pass({ timestamp, secretIndex: matched, signed });
}
