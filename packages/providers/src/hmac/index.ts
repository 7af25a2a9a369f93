import { defineProvider } from '../core/provider.js';
import { normalizeGeneric } from '../shared/generic-normalizer.js';
import { hmacProvider } from './verify.js';

/** A generic HMAC source: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: hmacProvider, normalize: normalizeGeneric });
