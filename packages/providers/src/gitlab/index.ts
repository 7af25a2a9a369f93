import { defineProvider } from '../core/provider.js';
import { normalizeGitlab } from './normalize.js';
import { gitlab } from './verify.js';

/** GitLab: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: gitlab, normalize: normalizeGitlab });
