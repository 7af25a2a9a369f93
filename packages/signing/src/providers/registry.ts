import { discord, sendgrid } from './asymmetric.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { hmacProvider } from './hmac.js';
import { bitbucket, intercom } from './hub-signatures.js';
import { hubspot } from './hubspot.js';
import { linear } from './linear.js';
import { meta } from './meta.js';
import { paddle } from './paddle.js';
import type { ProviderVerifier } from './provider.js';
import { secretFieldsOf } from '../config-fields.js';
import { shopify } from './shopify.js';
import { genericWebhook, pagerduty, typeform } from './simple-hmac.js';
import { slack } from './slack.js';
import { square } from './square.js';
import { stripe } from './stripe.js';
import { standardWebhooks, svix, svixSignedProvider } from './svix.js';
import { twilio } from './twilio.js';
import { zoom } from './zoom.js';

/** Providers that sign with Svix (Standard Webhooks over `svix-*` headers), by Svix's source type names. */
export const SVIX_SIGNED_TYPES = [
  'beehiiv',
  'brex',
  'clerk',
  'guesty',
  'incident-io',
  'lithic',
  'nash',
  'open-ai',
  'pleo',
  'psi-fi',
  'render',
  'replicate',
  'resend',
  'safebase',
  'sardine',
  'stych',
] as const;

const providers: readonly ProviderVerifier<never>[] = [
  github,
  stripe,
  shopify,
  slack,
  svix,
  standardWebhooks,
  ...SVIX_SIGNED_TYPES.map(svixSignedProvider),
  hmacProvider,
  genericWebhook,
  gitlab,
  twilio,
  zoom,
  meta,
  hubspot,
  linear,
  paddle,
  square,
  sendgrid,
  discord,
  intercom,
  bitbucket,
  pagerduty,
  typeform,
] as ProviderVerifier<never>[];

/** Every provider verifier by source type. */
export const PROVIDERS: ReadonlyMap<string, ProviderVerifier<unknown>> = new Map(
  providers.map((p) => [p.type, p as unknown as ProviderVerifier<unknown>]),
);

/** The verifier for a source type, or undefined if the type is unknown. */
export function providerFor(type: string): ProviderVerifier<unknown> | undefined {
  return PROVIDERS.get(type);
}

/** The name of every config field some provider marks secret (for log redaction paths). */
export const SECRET_CONFIG_FIELDS: readonly string[] = [...new Set([...PROVIDERS.values()].flatMap((p) => secretFieldsOf(p)))].sort();
