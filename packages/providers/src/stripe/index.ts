import { defineProvider } from '../core/provider.js';
import { normalizeStripe } from './normalize.js';
import { stripe } from './verify.js';

/** Stripe: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: stripe, normalize: normalizeStripe });
