/** Injection tokens of the engine's framework-free parts. The publishing ones are shared with the gateway (@switchyard/api-kit). */
export { ENDPOINT_SCHEDULER, PUBLISHER, SCHEDULER_REDIS, WORK_QUEUE } from '@switchyard/api-kit';

/** The process-wide WebhookHttpClient. */
export const WEBHOOK_HTTP_CLIENT = Symbol('WEBHOOK_HTTP_CLIENT');
/** The SecretBox that opens stored endpoint secrets. */
export const ENGINE_SECRET_BOX = Symbol('ENGINE_SECRET_BOX');
