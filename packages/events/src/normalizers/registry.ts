import { normalizeGeneric } from './hmac.js';
import { normalizeGithub } from './github.js';
import type { Normalizer } from './normalizer.js';
import { normalizeShopify } from './shopify.js';
import { normalizeSlack } from './slack.js';
import { normalizeStripe } from './stripe.js';
import { normalizeSvix } from './svix.js';

/** Normalizers by source type; Svix-signed providers share one. */
export const NORMALIZERS: ReadonlyMap<string, Normalizer> = new Map<string, Normalizer>([
  ['github', normalizeGithub],
  ['stripe', normalizeStripe],
  ['shopify', normalizeShopify],
  ['slack', normalizeSlack],
  ['svix', normalizeSvix],
  ['standard-webhooks', normalizeSvix],
  ['clerk', normalizeSvix],
  ['resend', normalizeSvix],
  ['hmac', normalizeGeneric],
]);

/** The normalizer for a source type, or undefined if the type is unknown. */
export function normalizerFor(type: string): Normalizer | undefined {
  return NORMALIZERS.get(type);
}
