import { SVIX_SIGNED_TYPES } from '@switchyard/signing';
import { normalizeDiscord } from './discord.js';
import { normalizeGitlab } from './gitlab.js';
import { normalizeGeneric } from './hmac.js';
import { normalizeMeta } from './meta.js';
import { normalizeGithub } from './github.js';
import type { Normalizer } from './normalizer.js';
import { normalizeShopify } from './shopify.js';
import {
  normalizeBitbucket,
  normalizeHubspot,
  normalizeIntercom,
  normalizeLinear,
  normalizePaddle,
  normalizePagerduty,
  normalizeSendgrid,
  normalizeSquare,
  normalizeTypeform,
} from './simple.js';
import { normalizeSlack } from './slack.js';
import { normalizeStripe } from './stripe.js';
import { normalizeSvix } from './svix.js';
import { normalizeTwilio } from './twilio.js';
import { normalizeZoom } from './zoom.js';

/** Normalizers by source type; Svix-signed providers share one. */
export const NORMALIZERS: ReadonlyMap<string, Normalizer> = new Map<string, Normalizer>([
  ['github', normalizeGithub],
  ['stripe', normalizeStripe],
  ['shopify', normalizeShopify],
  ['slack', normalizeSlack],
  ['svix', normalizeSvix],
  ['standard-webhooks', normalizeSvix],
  ...SVIX_SIGNED_TYPES.map((type): [string, Normalizer] => [type, normalizeSvix]),
  ['hmac', normalizeGeneric],
  ['generic-webhook', normalizeGeneric],
  ['gitlab', normalizeGitlab],
  ['twilio', normalizeTwilio],
  ['zoom', normalizeZoom],
  ['meta', normalizeMeta],
  ['hubspot', normalizeHubspot],
  ['linear', normalizeLinear],
  ['paddle', normalizePaddle],
  ['square', normalizeSquare],
  ['sendgrid', normalizeSendgrid],
  ['discord', normalizeDiscord],
  ['intercom', normalizeIntercom],
  ['bitbucket', normalizeBitbucket],
  ['pagerduty', normalizePagerduty],
  ['typeform', normalizeTypeform],
]);

/** The normalizer for a source type, or undefined if the type is unknown. */
export function normalizerFor(type: string): Normalizer | undefined {
  return NORMALIZERS.get(type);
}
