import { normalizerFor } from '@switchyard/events';
import { PROVIDERS, providerFor, publicConfig, secretValuesOf, type ConfigIssue, type ProviderVerifier } from '@switchyard/signing';

/** Source types whose requests arrive by GET as well as POST (subscription handshakes). */
const GET_TYPES = new Set(['meta']);

/** The verifier of a source type, when the type is one the gateway can both verify and normalize. */
export function sourceTypeVerifier(type: string): ProviderVerifier<unknown> | undefined {
  const verifier = providerFor(type);
  return verifier && normalizerFor(type) ? verifier : undefined;
}

/** Every source type the gateway takes, sorted (for the OpenAPI document). */
export const SOURCE_TYPES: readonly string[] = [...PROVIDERS.keys()].filter((type) => sourceTypeVerifier(type) !== undefined).sort();

/** True when the type's provider sends GET requests to the ingest URL (e.g. Meta's hub.challenge). */
export function acceptsGet(type: string): boolean {
  return GET_TYPES.has(type);
}

export type ParsedSourceConfig = { ok: true; config: Record<string, unknown> } | { ok: false; issues: ConfigIssue[] };

/** Validates a source's config with its provider's parser; `generic-webhook` takes an empty or absent config. */
export function parseSourceConfig(type: string, raw: unknown): ParsedSourceConfig {
  const verifier = sourceTypeVerifier(type);
  if (!verifier) return { ok: false, issues: [{ field: 'type', message: `unknown source type ${type}` }] };
  const result = verifier.parseConfig(raw ?? {});
  if (!result.ok) return { ok: false, issues: result.issues };
  // Keep only what JSON can carry (parsers leave optional fields undefined).
  return { ok: true, config: JSON.parse(JSON.stringify(result.config ?? {})) as Record<string, unknown> };
}

/**
 * The config as the API shows it: only the settings the type's provider declares, never a field
 * it marks secret (Svix's *ConfigOut carry no secrets either). A type no longer known shows nothing.
 */
export function configView(type: string, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const provider = providerFor(type);
  return provider ? publicConfig(provider, config) : {};
}

/** The credential values in a source's config (by its provider's marks), for value-based redaction. */
export function configSecretValues(type: string, config: Readonly<Record<string, unknown>>): string[] {
  // A type no longer known: every string counts as secret.
  return secretValuesOf(providerFor(type) ?? { configFields: {} }, config);
}
