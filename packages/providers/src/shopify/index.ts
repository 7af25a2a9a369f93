import { defineProvider } from '../core/provider.js';
import { normalizeShopify } from './normalize.js';
import { shopify } from './verify.js';

/** Shopify: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: shopify, normalize: normalizeShopify });
