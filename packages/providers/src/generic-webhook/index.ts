import { defineProvider } from '../core/provider.js';
import { normalizeGeneric } from '../shared/generic-normalizer.js';
import { genericWebhook } from './verify.js';

/** An unsigned generic source: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: genericWebhook, normalize: normalizeGeneric });
