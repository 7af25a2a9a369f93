import { defineProvider } from '../core/provider.js';
import { normalizeMeta } from './normalize.js';
import { meta } from './verify.js';

/** Meta: verify.ts checks X-Hub-Signature-256 and the verify token; normalize.ts answers the GET hub.challenge handshake. */
export default defineProvider({ verifier: meta, normalize: normalizeMeta, acceptsGet: true });
