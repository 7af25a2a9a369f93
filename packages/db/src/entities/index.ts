import { AppPortalTokenEntity } from './app-portal-token.entity.js';
import { ApplicationEntity } from './application.entity.js';
import { AttemptEntity } from './attempt.entity.js';
import { BackgroundTaskEntity } from './background-task.entity.js';
import { DeliveryEntity } from './delivery.entity.js';
import { EndpointSecretEntity } from './endpoint-secret.entity.js';
import { EndpointEntity } from './endpoint.entity.js';
import { EventTypeEntity } from './event-type.entity.js';
import { IdempotencyKeyEntity } from './idempotency-key.entity.js';
import { InboundDedupKeyEntity } from './inbound-dedup-key.entity.js';
import { InboundRequestEntity } from './inbound-request.entity.js';
import { MessageEntity } from './message.entity.js';
import { SourceEntity } from './source.entity.js';

export * from './app-portal-token.entity.js';
export * from './application.entity.js';
export * from './attempt.entity.js';
export * from './background-task.entity.js';
export * from './delivery.entity.js';
export * from './endpoint-secret.entity.js';
export * from './endpoint.entity.js';
export * from './event-type.entity.js';
export * from './idempotency-key.entity.js';
export * from './inbound-dedup-key.entity.js';
export * from './inbound-request.entity.js';
export * from './message.entity.js';
export * from './source.entity.js';
export { ID_LENGTH } from './id-length.js';

/** Every entity, passed to the DataSource as classes (globs differ between src and dist). */
export const ENTITIES = [
  ApplicationEntity,
  EventTypeEntity,
  EndpointEntity,
  EndpointSecretEntity,
  MessageEntity,
  DeliveryEntity,
  AttemptEntity,
  IdempotencyKeyEntity,
  SourceEntity,
  InboundRequestEntity,
  BackgroundTaskEntity,
  InboundDedupKeyEntity,
  AppPortalTokenEntity,
];
