export * from './settings.js';
export * from './shutdown.js';
export * from './group-committer.js';
