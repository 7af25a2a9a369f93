import type { VerificationFailure, VerificationFailureReason, VerificationResult } from './result.js';

/** Thrown by the assert-style helpers when a signature does not verify. */
export class SignatureVerificationError extends Error {
  readonly reason: VerificationFailureReason;

  constructor(failure: VerificationFailure) {
    super(`${failure.reason}: ${failure.detail}`);
    this.name = 'SignatureVerificationError';
    this.reason = failure.reason;
  }
}

/** Throws a SignatureVerificationError unless the result is ok. */
export function assertVerified(result: VerificationResult): void {
  if (!result.ok) throw new SignatureVerificationError(result);
}
