import { defineProvider } from '../core/provider.js';
import { normalizePagerduty } from './normalize.js';
import { pagerduty } from './verify.js';

/** PagerDuty: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: pagerduty, normalize: normalizePagerduty });
