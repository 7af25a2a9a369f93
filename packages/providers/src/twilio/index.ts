import { defineProvider } from '../core/provider.js';
import { normalizeTwilio } from './normalize.js';
import { twilio } from './verify.js';

/** Twilio: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: twilio, normalize: normalizeTwilio });
