export * from './openapi-document.js';
export * from './early-answer.js';
