export * from './settings.js';
export * from './shutdown.js';
