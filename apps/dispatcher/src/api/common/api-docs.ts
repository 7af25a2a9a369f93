import { ApiIdParam } from '@switchyard/api-kit';

/*
 * The dispatcher's path parameters as the OpenAPI document shows them. Every one of them is
 * 1-256 characters of [a-zA-Z0-9-_.] (PathParamsPipe); ids and uids are told apart by prefix.
 */

export const ApiAppIdParam = () => ApiIdParam('app_id', "The application's id (`app_…`) or uid", 'unique-app-identifier');
export const ApiEndpointIdParam = () => ApiIdParam('endpoint_id', "The endpoint's id (`ep_…`) or uid", 'unique-ep-identifier');
export const ApiMsgIdParam = () => ApiIdParam('msg_id', "The message's id (`msg_…`) or the eventId it was published with", 'unique-msg-identifier');
export const ApiAttemptIdParam = () => ApiIdParam('attempt_id', "The attempt's id (`atmpt_…`)", 'atmpt_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW');
export const ApiEventTypeNameParam = () => ApiIdParam('event_type_name', "The event type's name", 'user.signup');

/** Examples shared by the schema classes. */
export const EXAMPLE = {
  appId: 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW',
  endpointId: 'ep_01KQ8ZKD4YB2TS8W5JH0Q4M3CE',
  msgId: 'msg_01KQ8ZM5W1Q4N1R6V5D4ZK9T2F',
  attemptId: 'atmpt_01KQ8ZMB7E0C9Q3N6W2J5X8Y1R',
  time: '2026-01-15T09:30:00.000Z',
  metadata: { tier: 'gold' },
} as const;

/** Svix `metadata`: a flat map of strings. */
export const METADATA_SCHEMA = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'Free-form string pairs, kept with the object',
  example: EXAMPLE.metadata,
} as const;
