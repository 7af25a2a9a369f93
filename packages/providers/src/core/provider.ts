import type { Normalizer } from './normalizer.js';
import type { ProviderVerifier } from './verifier.js';

/**
 * Everything the gateway knows about one inbound provider, declared in the provider's folder
 * (`src/<provider>/index.ts`) and listed once in `src/registry.ts`.
 */
export interface Provider<C = unknown> {
  /**
   * The signature scheme and the config schema: its source type name, the config parser and
   * every config field marked secret or not (what the API shows and logs redact follow these marks).
   */
  readonly verifier: ProviderVerifier<C>;
  /** Turns a verified request into an event, or answers the provider's handshake. */
  readonly normalize: Normalizer;
  /** True when the provider also calls the ingest URL by GET (a subscription handshake, as Meta's). */
  readonly acceptsGet?: boolean;
}

/** Declares a provider; its configuration type is checked against its verifier, then erased for the registry. */
export function defineProvider<C>(provider: Provider<C>): Provider {
  return provider as unknown as Provider;
}
