import { pass } from '@switchyard/signing';
import { ConfigReader } from '../core/config.js';
import { defineVerifier } from '../core/verifier.js';

/**
 * Svix's `generic-webhook`: no signature at all. The unguessable ingest URL is the only
 * credential, so use it only for senders that cannot sign.
 */
export const genericWebhook = defineVerifier<Record<string, never>>({
  type: 'generic-webhook',
  configFields: {},
  parseConfig(raw) {
    const r = new ConfigReader(raw ?? {});
    if (typeof raw === 'object' && raw !== null) for (const key of Object.keys(raw)) r.problem(key, `${key} is not a generic-webhook setting`);
    return r.result<Record<string, never>>({});
  },
  verify: () => pass(),
});
