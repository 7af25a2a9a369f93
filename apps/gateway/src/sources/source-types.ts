import { PROVIDERS, providerFor, publicConfig, secretValuesOf, type ConfigIssue } from '@switchyard/providers';

/** Every source type the gateway takes, sorted (for the OpenAPI document): the provider registry's. */
export const SOURCE_TYPES: readonly string[] = [...PROVIDERS.keys()].sort();

export type ParsedSourceConfig = { ok: true; config: Record<string, unknown> } | { ok: false; issues: ConfigIssue[] };

/** Validates a source's config with its provider's parser; `generic-webhook` takes an empty or absent config. */
export function parseSourceConfig(type: string, raw: unknown): ParsedSourceConfig {
  const verifier = providerFor(type)?.verifier;
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
  return provider ? publicConfig(provider.verifier, config) : {};
}

/** The credential values in a source's config (by its provider's marks), for value-based redaction. */
export function configSecretValues(type: string, config: Readonly<Record<string, unknown>>): string[] {
  // A type no longer known: every string counts as secret.
  return secretValuesOf(providerFor(type)?.verifier ?? { configFields: {} }, config);
}
