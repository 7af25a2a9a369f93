export * from './logging.js';
export * from './metrics.js';
export * from './readiness.js';
export * from './openapi.js';
export * from './queue-board.js';
export * from './retention.js';
export * from './admin-listener.js';
export * from './tracing.js';
