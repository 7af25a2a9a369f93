import type { SecretInput } from '@switchyard/signing';
import { ConfigReader } from '../core/config.js';

/** A provider whose only setting is its shared secret (rotation: a list of them). */
export interface SecretConfig {
  readonly secret: SecretInput;
}

/** Reads `{ secret }`. */
export function parseSecretConfig(raw: unknown) {
  const r = new ConfigReader(raw);
  return r.result<SecretConfig>({ secret: r.secret('secret') });
}
