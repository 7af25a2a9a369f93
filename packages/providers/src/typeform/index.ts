import { defineProvider } from '../core/provider.js';
import { normalizeTypeform } from './normalize.js';
import { typeform } from './verify.js';

/** Typeform: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: typeform, normalize: normalizeTypeform });
