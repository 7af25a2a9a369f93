import { defineVerifier, SECRET_FIELD } from '../core/verifier.js';
import { verifyHubSignature } from '../shared/hub-signature.js';
import { parseSecretConfig, type SecretConfig } from '../shared/secret-config.js';

/** Bitbucket (Cloud and Data Center): `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export const bitbucket = defineVerifier<SecretConfig>({
  type: 'bitbucket',
  configFields: { secret: SECRET_FIELD },
  parseConfig: parseSecretConfig,
  verify: (request, config) => verifyHubSignature(request, config.secret, 'x-hub-signature', 'sha256'),
});
