import { defineProvider } from '../core/provider.js';
import { normalizeZoom } from './normalize.js';
import { zoom } from './verify.js';

/** Zoom: verify.ts checks the v0 signature; normalize.ts answers the endpoint.url_validation handshake. */
export default defineProvider({ verifier: zoom, normalize: normalizeZoom });
