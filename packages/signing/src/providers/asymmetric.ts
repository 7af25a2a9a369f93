import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../config.js';
import { checkTimestamp, decodeDigest, isFailure, parseUnixSeconds, requireHeader, signedContent } from '../primitives.js';
import { fail, pass } from '../result.js';
import type { SignedRequest, VerifyOptions } from '../request.js';
import { defineProvider, SETTING_FIELD } from './provider.js';

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

function verifyTimestamped(
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

/**
 * SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` (base64 DER ECDSA P-256 /
 * SHA-256) over `{X-Twilio-Email-Event-Webhook-Timestamp}{body}`; the key is base64 DER SPKI.
 */
export const sendgrid = defineProvider<PublicKeyConfig>({
  type: 'sendgrid',
  configFields: { publicKey: SETTING_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const publicKey = r.string('publicKey', { required: true, maxLength: 1024 }) ?? '';
    if (publicKey && !p256KeyFromBase64(publicKey)) r.problem('publicKey', 'publicKey must be a base64 DER P-256 public key (SubjectPublicKeyInfo)');
    return r.result<PublicKeyConfig>({ publicKey, toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify(request, config, options = {}) {
    const key = p256KeyFromBase64(config.publicKey ?? '');
    if (!key) return fail('invalid_config', 'publicKey is not a P-256 key');
    return verifyTimestamped(request, options, {
      signatureHeader: 'x-twilio-email-event-webhook-signature',
      timestampHeader: 'x-twilio-email-event-webhook-timestamp',
      encoding: 'base64',
      tolerance: config.toleranceSeconds ?? 600,
      key,
      algorithm: 'sha256',
    });
  },
});

/** Discord (interactions and webhook events): `X-Signature-Ed25519` (hex) over `{X-Signature-Timestamp}{body}`. */
export const discord = defineProvider<PublicKeyConfig>({
  type: 'discord',
  configFields: { publicKey: SETTING_FIELD, toleranceSeconds: SETTING_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const publicKey = r.string('publicKey', { required: true, maxLength: 128 }) ?? '';
    if (publicKey && !ed25519KeyFromHex(publicKey)) r.problem('publicKey', 'publicKey must be the 64 hex digits of an Ed25519 public key');
    return r.result<PublicKeyConfig>({ publicKey, toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }) });
  },
  verify(request, config, options = {}) {
    const key = ed25519KeyFromHex(config.publicKey ?? '');
    if (!key) return fail('invalid_config', 'publicKey is not an Ed25519 key');
    return verifyTimestamped(request, options, {
      signatureHeader: 'x-signature-ed25519',
      timestampHeader: 'x-signature-timestamp',
      encoding: 'hex',
      tolerance: config.toleranceSeconds ?? 300,
      key,
      algorithm: null,
    });
  },
});
