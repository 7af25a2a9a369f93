import { defineProvider } from '../core/provider.js';
import { normalizeIntercom } from './normalize.js';
import { intercom } from './verify.js';

/** Intercom: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: intercom, normalize: normalizeIntercom });
