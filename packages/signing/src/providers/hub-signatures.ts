import { ConfigReader } from '../config.js';
import type { SecretInput } from '../primitives.js';
import { verifyHubSignature } from './github.js';
import { defineProvider, SECRET_FIELD } from './provider.js';

export interface HubSecretConfig {
  readonly secret: SecretInput;
}

function parseSecretConfig(raw: unknown) {
  const r = new ConfigReader(raw);
  return r.result<HubSecretConfig>({ secret: r.secret('secret') });
}

/** Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body>` with the app's client secret. */
export const intercom = defineProvider<HubSecretConfig>({
  type: 'intercom',
  configFields: { secret: SECRET_FIELD },
  parseConfig: parseSecretConfig,
  verify: (request, config) => verifyHubSignature(request, config.secret, 'x-hub-signature', 'sha1'),
});

/** Bitbucket (Cloud and Data Center): `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export const bitbucket = defineProvider<HubSecretConfig>({
  type: 'bitbucket',
  configFields: { secret: SECRET_FIELD },
  parseConfig: parseSecretConfig,
  verify: (request, config) => verifyHubSignature(request, config.secret, 'x-hub-signature', 'sha256'),
});
