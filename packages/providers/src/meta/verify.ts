import { fail, pass, type SecretInput, secretList, timingSafeEqualStrings } from '@switchyard/signing';
import { ConfigReader } from '../core/config.js';
import { defineVerifier, SECRET_FIELD } from '../core/verifier.js';
import { verifyHubSignature } from '../shared/hub-signature.js';

export interface MetaConfig {
  /** The app secret: `X-Hub-Signature-256: sha256=<hex>` over the raw body. */
  readonly secret: SecretInput;
  /** The token Meta echoes in `hub.verify_token` when it subscribes (GET). */
  readonly verifyToken: string;
}

function query(url: string | undefined): URLSearchParams {
  const q = url?.indexOf('?') ?? -1;
  return new URLSearchParams(q === -1 || url === undefined ? '' : url.slice(q + 1));
}

/**
 * Meta (Facebook, Instagram, WhatsApp): POSTs carry `X-Hub-Signature-256`; the subscription
 * handshake is a GET with `hub.mode=subscribe`, `hub.verify_token` and `hub.challenge`.
 */
export const meta = defineVerifier<MetaConfig>({
  type: 'meta',
  configFields: { secret: SECRET_FIELD, verifyToken: SECRET_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<MetaConfig>({ secret: r.secret('secret'), verifyToken: r.string('verifyToken', { required: true, maxLength: 1024 }) ?? '' });
  },
  verify(request, config) {
    if (request.method === 'GET') {
      if (!config.verifyToken) return fail('invalid_config', 'no verifyToken configured');
      const params = query(request.url);
      const token = params.get('hub.verify_token');
      if (params.get('hub.mode') === null || token === null || params.get('hub.challenge') === null) {
        return fail('missing_header', 'hub.mode, hub.verify_token and hub.challenge are required');
      }
      if (params.get('hub.mode') !== 'subscribe') return fail('malformed', 'hub.mode must be subscribe');
      return timingSafeEqualStrings(config.verifyToken, token) ? pass() : fail('bad_signature', 'hub.verify_token does not match');
    }
    if (!secretList(config.secret)) return fail('invalid_config', 'no secret configured');
    return verifyHubSignature(request, config.secret, 'x-hub-signature-256', 'sha256');
  },
});
