import { defineProvider } from '../core/provider.js';
import { normalizeSlack } from './normalize.js';
import { slack } from './verify.js';

/** Slack: verify.ts checks the v0 signature; normalize.ts answers the url_verification handshake. */
export default defineProvider({ verifier: slack, normalize: normalizeSlack });
