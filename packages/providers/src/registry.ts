import bitbucket from './bitbucket/index.js';
import type { Normalizer } from './core/normalizer.js';
import type { Provider } from './core/provider.js';
import { secretFieldsOf } from './core/config-fields.js';
import type { ProviderVerifier } from './core/verifier.js';
import discord from './discord/index.js';
import genericWebhook from './generic-webhook/index.js';
import github from './github/index.js';
import gitlab from './gitlab/index.js';
import hmac from './hmac/index.js';
import hubspot from './hubspot/index.js';
import intercom from './intercom/index.js';
import linear from './linear/index.js';
import meta from './meta/index.js';
import paddle from './paddle/index.js';
import pagerduty from './pagerduty/index.js';
import sendgrid from './sendgrid/index.js';
import shopify from './shopify/index.js';
import slack from './slack/index.js';
import square from './square/index.js';
import stripe from './stripe/index.js';
import svix from './svix/index.js';
import twilio from './twilio/index.js';
import typeform from './typeform/index.js';
import zoom from './zoom/index.js';

/**
 * Every inbound provider, registered once. Adding a provider is its folder and one line here;
 * everything below (and the gateway's source types) derives from this list.
 */
const REGISTERED: readonly (Provider | readonly Provider[])[] = [
  github,
  stripe,
  shopify,
  slack,
  svix,
  hmac,
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
];

/** Every provider by source type. */
export const PROVIDERS: ReadonlyMap<string, Provider> = new Map(REGISTERED.flat().map((p) => [p.verifier.type, p]));

/** The provider of a source type, or undefined if the type is unknown. */
export function providerFor(type: string): Provider | undefined {
  return PROVIDERS.get(type);
}

/** Every provider verifier by source type. */
export const VERIFIERS: ReadonlyMap<string, ProviderVerifier<unknown>> = new Map([...PROVIDERS].map(([type, p]) => [type, p.verifier]));

/** The verifier for a source type, or undefined if the type is unknown. */
export function verifierFor(type: string): ProviderVerifier<unknown> | undefined {
  return PROVIDERS.get(type)?.verifier;
}

/** Normalizers by source type; Svix-signed providers share one. */
export const NORMALIZERS: ReadonlyMap<string, Normalizer> = new Map([...PROVIDERS].map(([type, p]) => [type, p.normalize]));

/** The normalizer for a source type, or undefined if the type is unknown. */
export function normalizerFor(type: string): Normalizer | undefined {
  return PROVIDERS.get(type)?.normalize;
}

/** The name of every config field some provider marks secret (for log redaction paths). */
export const SECRET_CONFIG_FIELDS: readonly string[] = [...new Set([...VERIFIERS.values()].flatMap((p) => secretFieldsOf(p)))].sort();
