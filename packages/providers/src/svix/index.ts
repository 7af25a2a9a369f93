import { defineProvider } from '../core/provider.js';
import { normalizeSvix } from './normalize.js';
import { standardWebhooks, SVIX_SIGNED_TYPES, svix, svixSignedProvider } from './verify.js';

/** Svix, Standard Webhooks, and every provider that signs with Svix under its own source type name. */
export default [svix, standardWebhooks, ...SVIX_SIGNED_TYPES.map(svixSignedProvider)].map((verifier) => defineProvider({ verifier, normalize: normalizeSvix }));
