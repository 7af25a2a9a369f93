export * from './ids.js';
export * from './cloud-event.js';
export * from './event-types.js';
export * from './routing.js';
export * from './retry-schedule.js';
export * from './queues.js';
export * from './body.js';
export * from './time.js';
