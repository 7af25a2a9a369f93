import { defineProvider } from '../core/provider.js';
import { normalizeSquare } from './normalize.js';
import { square } from './verify.js';

/** Square: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: square, normalize: normalizeSquare });
