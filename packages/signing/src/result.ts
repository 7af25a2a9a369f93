/** Why a signature check failed; stable codes that the gateway logs and returns. */
export type VerificationFailureReason = 'missing_header' | 'malformed' | 'bad_signature' | 'stale_timestamp' | 'future_timestamp' | 'invalid_config';

/**
 * What a verified signature covers, so that a request's dedup key, id and time are taken from
 * signed data only: anything else in a request can be rewritten by whoever replays it.
 */
export interface SignedContent {
  /** The exact value of every request header the signature covers, by lower-case name (e.g. `webhook-id`). */
  readonly headers: Readonly<Record<string, string>>;
  /** True when the raw body bytes are covered as received (false for Twilio forms, whose parameters are signed sorted). */
  readonly body: boolean;
  /**
   * Hex SHA-256 of the signed content with the signature's timestamp left out: the same delivery
   * replayed, or re-signed later by the provider's retry, has the same digest; a different one
   * does not. Schemes that sign the raw body alone, with no timestamp in it: exactly the SHA-256
   * of the body.
   */
  readonly digest: string;
}

export interface VerificationSuccess {
  readonly ok: true;
  /** The signed timestamp in unix seconds, when the scheme has one. */
  readonly timestamp?: number;
  /** Index of the accepted secret in the configured list (rotation). */
  readonly secretIndex?: number;
  /** What the signature covers; absent when nothing is signed (generic-webhook, GitLab's plain token, Meta's GET handshake). */
  readonly signed?: SignedContent;
}

export interface VerificationFailure {
  readonly ok: false;
  readonly reason: VerificationFailureReason;
  /** A short human explanation. Never contains a secret or a computed signature. */
  readonly detail: string;
}

export type VerificationResult = VerificationSuccess | VerificationFailure;

/** Builds a failed verification result. */
export function fail(reason: VerificationFailureReason, detail: string): VerificationFailure {
  return { ok: false, reason, detail };
}

/** Builds a successful verification result. */
export function pass(extra: { timestamp?: number; secretIndex?: number; signed?: SignedContent } = {}): VerificationSuccess {
  return { ok: true, ...extra };
}
