import { defineProvider } from '../core/provider.js';
import { normalizePaddle } from './normalize.js';
import { paddle } from './verify.js';

/** Paddle: the verifier (with its config schema) and the normalizer. */
export default defineProvider({ verifier: paddle, normalize: normalizePaddle });
