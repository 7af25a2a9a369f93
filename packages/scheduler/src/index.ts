export * from './endpoint-scheduler.js';
export * from './work-queue.js';
