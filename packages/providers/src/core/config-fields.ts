import type { ConfigFieldSpec, ProviderVerifier } from './verifier.js';

type Declared = Pick<ProviderVerifier<unknown>, 'configFields'>;

function fieldsOf(provider: Declared): Readonly<Record<string, ConfigFieldSpec>> {
  return provider.configFields as Readonly<Record<string, ConfigFieldSpec>>;
}

/** True when a config field may be shown: declared by the provider and not marked secret. */
export function isShownConfigField(provider: Declared, field: string): boolean {
  const spec = Object.hasOwn(fieldsOf(provider), field) ? fieldsOf(provider)[field] : undefined;
  return spec !== undefined && !spec.secret;
}

/** Names of the fields a provider marks secret. */
export function secretFieldsOf(provider: Declared): string[] {
  return Object.entries(fieldsOf(provider))
    .filter(([, spec]) => spec.secret)
    .map(([name]) => name);
}

/**
 * The config as an API may show it: only fields the provider declares and does not mark
 * secret. Default deny: a field nobody declared is withheld like a secret.
 */
export function publicConfig(provider: Declared, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(config)) if (isShownConfigField(provider, field)) view[field] = value;
  return view;
}

/**
 * Every credential value in a config, lists flattened: the values that value-based redaction
 * (a request log, an error text) must never let through. Fields not declared count as secret.
 */
export function secretValuesOf(provider: Declared, config: Readonly<Record<string, unknown>>): string[] {
  const values: string[] = [];
  for (const [field, value] of Object.entries(config)) {
    if (isShownConfigField(provider, field)) continue;
    for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string' && item !== '') values.push(item);
  }
  return [...new Set(values)];
}
