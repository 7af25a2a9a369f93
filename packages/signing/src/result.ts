/** Why a signature check failed; stable codes that the gateway logs and returns. */
export type VerificationFailureReason =
  | 'missing_header'
  | 'malformed'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'invalid_config';

export interface VerificationSuccess {
  readonly ok: true;
  /** The signed timestamp in unix seconds, when the scheme has one. */
  readonly timestamp?: number;
  /** Index of the accepted secret in the configured list (rotation). */
  readonly secretIndex?: number;
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
export function pass(extra: { timestamp?: number; secretIndex?: number } = {}): VerificationSuccess {
  return { ok: true, ...extra };
}
