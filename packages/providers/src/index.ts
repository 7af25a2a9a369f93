export * from './core/config.js';
export * from './core/config-fields.js';
export * from './core/verifier.js';
export * from './core/normalizer.js';
export * from './core/provider.js';
export * from './registry.js';
export { SVIX_SIGNED_TYPES } from './svix/verify.js';
