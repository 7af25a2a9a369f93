export * from './bootstrap.js';
export * from './health.controller.js';
