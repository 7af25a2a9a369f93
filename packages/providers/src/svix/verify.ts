import { decodeWebhookSecret, secretList, type StandardVerifyConfig, verifyStandardWebhook } from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, type ProviderVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

/** Providers that sign with Svix (Standard Webhooks over `svix-*` headers), by Svix's source type names. */
export const SVIX_SIGNED_TYPES = [
  'beehiiv',
  'brex',
  'clerk',
  'guesty',
  'incident-io',
  'lithic',
  'nash',
  'open-ai',
  'pleo',
  'psi-fi',
  'render',
  'replicate',
  'resend',
  'safebase',
  'sardine',
  'stych',
] as const;

/** Reads `{ secret: "whsec_…", toleranceSeconds? }`, checking each secret decodes. */
export function parseStandardConfig(raw: unknown) {
  const r = new ConfigReader(raw);
  const config: StandardVerifyConfig = {
    secret: r.secret('secret'),
    toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }),
  };
  for (const s of secretList(config.secret) ?? []) {
    if (!decodeWebhookSecret(s)) r.problem('secret', 'secret must be whsec_ followed by base64');
  }
  return r.result(config);
}

/** A Standard Webhooks / Svix-signed provider under its own source type name (clerk, resend, …). */
export function svixSignedProvider(type: string): ProviderVerifier<StandardVerifyConfig> {
  return defineVerifier<StandardVerifyConfig>({
    type,
    configFields: { secret: SECRET_FIELD, toleranceSeconds: SETTING_FIELD },
    parseConfig: parseStandardConfig,
    verify: (request, config, options) => verifyStandardWebhook(request, config, options),
  });
}

/** Svix: `svix-id`, `svix-timestamp`, `svix-signature` (or the `webhook-*` white-label set). */
export const svix = svixSignedProvider('svix');
/** Standard Webhooks under its own name. */
export const standardWebhooks = svixSignedProvider('standard-webhooks');
