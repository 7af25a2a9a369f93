import { defineProvider } from '../core/provider.js';
import { normalizeBitbucket } from './normalize.js';
import { bitbucket } from './verify.js';

/** Bitbucket: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: bitbucket, normalize: normalizeBitbucket });
