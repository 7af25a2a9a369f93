import type { SignedRequest, VerificationResult, VerifyOptions } from '@switchyard/signing';
import type { ConfigResult } from './config.js';

/** What a configuration field is, beyond its value: whether it is a credential. */
export interface ConfigFieldSpec {
  /**
   * A credential (a shared secret, a signing or verification token): never shown by an API,
   * redacted from logs and request logs wherever it appears.
   */
  readonly secret: boolean;
}

/** A credential field. */
export const SECRET_FIELD: ConfigFieldSpec = { secret: true };
/** A setting that may be shown back (a tolerance, a header name, a public key). */
export const SETTING_FIELD: ConfigFieldSpec = { secret: false };

/**
 * Every field of a configuration type, declared: the compiler refuses a provider whose config
 * gains a field nobody has classified, so a new credential cannot slip out unmarked.
 */
export type ConfigFields<C> = { readonly [K in keyof C]-?: ConfigFieldSpec };

/**
 * One provider's signature scheme: how to read its configuration and how to verify a request.
 * Each provider folder declares one in its `verify.ts`; see provider.ts.
 */
export interface ProviderVerifier<C = unknown> {
  /** The source type name (Svix's names where Svix has one). */
  readonly type: string;
  /**
   * The fields `parseConfig` can return, each marked secret or not. What the API shows and
   * what logs redact derive from these marks (see config-fields.ts); a field not declared is
   * treated as a secret.
   */
  readonly configFields: ConfigFields<C>;
  /** Validates an untrusted configuration object, listing every problem. */
  parseConfig(raw: unknown): ConfigResult<C>;
  /** Verifies the request over its raw bytes; never throws. */
  verify(request: SignedRequest, config: C, options?: VerifyOptions): VerificationResult;
}

/** Declares a provider verifier with its configuration type inferred. */
export function defineVerifier<C>(provider: ProviderVerifier<C>): ProviderVerifier<C> {
  return provider;
}
