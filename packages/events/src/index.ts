export * from './ids.js';
export * from './cloud-event.js';
export * from './event-types.js';
export * from './routing.js';
export * from './retry-schedule.js';
export * from './queues.js';
export * from './body.js';
export * from './time.js';
export * from './normalizers/normalizer.js';
export { normalizeGithub } from './normalizers/github.js';
export { normalizeStripe } from './normalizers/stripe.js';
export { normalizeShopify } from './normalizers/shopify.js';
export { normalizeSlack } from './normalizers/slack.js';
export { normalizeSvix } from './normalizers/svix.js';
export { normalizeGeneric } from './normalizers/hmac.js';
export { normalizeGitlab } from './normalizers/gitlab.js';
export { normalizeTwilio } from './normalizers/twilio.js';
export { normalizeZoom } from './normalizers/zoom.js';
export { normalizeMeta } from './normalizers/meta.js';
export { normalizeDiscord } from './normalizers/discord.js';
export {
  normalizeBitbucket,
  normalizeHubspot,
  normalizeIntercom,
  normalizeLinear,
  normalizePaddle,
  normalizePagerduty,
  normalizeSendgrid,
  normalizeSquare,
  normalizeTypeform,
} from './normalizers/simple.js';
export { NORMALIZERS, normalizerFor } from './normalizers/registry.js';
