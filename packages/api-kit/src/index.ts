export * from './api-error.js';
export * from './svix-exception.filter.js';
export * from './validation.js';
export * from './auth.guard.js';
export * from './pagination.js';
export * from './idempotency.interceptor.js';
export * from './endpoint-store.js';
export * from './api-kit.module.js';
