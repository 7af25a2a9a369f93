export * from './result.js';
export * from './errors.js';
export * from './headers.js';
export * from './request.js';
export * from './timing-safe.js';
export * from './primitives.js';
export * from './standard-webhooks.js';
