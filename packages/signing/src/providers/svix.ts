import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../config.js';
import { decodeWebhookSecret, verifyStandardWebhook, type StandardVerifyConfig } from '../standard-webhooks.js';
import { secretList } from '../primitives.js';
import { defineProvider, SECRET_FIELD, SETTING_FIELD, type ProviderVerifier } from './provider.js';

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
  return defineProvider<StandardVerifyConfig>({
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
