import { defineProvider } from '../core/provider.js';
import { normalizeGithub } from './normalize.js';
import { github } from './verify.js';

/** GitHub: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: github, normalize: normalizeGithub });
