import { defineProvider } from '../core/provider.js';
import { normalizeHubspot } from './normalize.js';
import { hubspot } from './verify.js';

/** HubSpot: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: hubspot, normalize: normalizeHubspot });
