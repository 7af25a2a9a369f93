import { defineProvider } from '../core/provider.js';
import { normalizeSendgrid } from './normalize.js';
import { sendgrid } from './verify.js';

/** SendGrid: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: sendgrid, normalize: normalizeSendgrid });
