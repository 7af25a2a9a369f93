import { defineProvider } from '../core/provider.js';
import { normalizeLinear } from './normalize.js';
import { linear } from './verify.js';

/** Linear: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: linear, normalize: normalizeLinear });
