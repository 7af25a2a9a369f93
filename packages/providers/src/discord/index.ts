import { defineProvider } from '../core/provider.js';
import { normalizeDiscord } from './normalize.js';
import { discord } from './verify.js';

/** Discord: verify.ts checks the Ed25519 signature; normalize.ts answers PINGs. */
export default defineProvider({ verifier: discord, normalize: normalizeDiscord });
