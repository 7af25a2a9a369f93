import { defineVerifier, SECRET_FIELD } from '../core/verifier.js';
import { verifyHubSignature } from '../shared/hub-signature.js';
import { parseSecretConfig, type SecretConfig } from '../shared/secret-config.js';

/** Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body>` with the app's client secret. */
export const intercom = defineVerifier<SecretConfig>({
  type: 'intercom',
  configFields: { secret: SECRET_FIELD },
  parseConfig: parseSecretConfig,
  verify: (request, config) => verifyHubSignature(request, config.secret, 'x-hub-signature', 'sha1'),
});
