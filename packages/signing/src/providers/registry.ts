import { github } from './github.js';
import { hmacProvider } from './hmac.js';
import type { ProviderVerifier } from './provider.js';
import { shopify } from './shopify.js';
import { slack } from './slack.js';
import { stripe } from './stripe.js';
import { standardWebhooks, svix, svixSignedProvider } from './svix.js';

/** Providers that sign with Svix (Standard Webhooks over `svix-*` headers), by Svix's source type names. */
export const SVIX_SIGNED_TYPES = ['clerk', 'resend'] as const;

const providers: readonly ProviderVerifier<never>[] = [
  github,
  stripe,
  shopify,
  slack,
  svix,
  standardWebhooks,
  ...SVIX_SIGNED_TYPES.map(svixSignedProvider),
  hmacProvider,
] as ProviderVerifier<never>[];

/** Every provider verifier by source type. */
export const PROVIDERS: ReadonlyMap<string, ProviderVerifier<unknown>> = new Map(
  providers.map((p) => [p.type, p as unknown as ProviderVerifier<unknown>]),
);

/** The verifier for a source type, or undefined if the type is unknown. */
export function providerFor(type: string): ProviderVerifier<unknown> | undefined {
  return PROVIDERS.get(type);
}
