import type { ConfigResult } from '../config.js';
import type { SignedRequest, VerifyOptions } from '../request.js';
import type { VerificationResult } from '../result.js';

/**
 * One provider's signature scheme: how to read its configuration and how to verify a request.
 * Adding a provider is one file exporting one of these, plus a registry line.
 */
export interface ProviderVerifier<C = unknown> {
  /** The source type name (Svix's names where Svix has one). */
  readonly type: string;
  /** Validates an untrusted configuration object, listing every problem. */
  parseConfig(raw: unknown): ConfigResult<C>;
  /** Verifies the request over its raw bytes; never throws. */
  verify(request: SignedRequest, config: C, options?: VerifyOptions): VerificationResult;
}

/** Declares a provider verifier with its configuration type inferred. */
export function defineProvider<C>(provider: ProviderVerifier<C>): ProviderVerifier<C> {
  return provider;
}
