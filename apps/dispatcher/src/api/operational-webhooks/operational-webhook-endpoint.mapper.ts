import { ApiProperty, OmitType } from '@nestjs/swagger';
import type { EndpointEntity } from '@switchyard/db';
import { EndpointHeadersOut, EndpointOut, EndpointSecretOut } from '../endpoints/endpoint.mapper.js';

/** Svix `OperationalWebhookEndpointOut`, as sent on the wire: an EndpointOut without version and channels. */
export class OperationalWebhookEndpointOut extends OmitType(EndpointOut, ['version', 'channels'] as const) {
  @ApiProperty({
    type: [String],
    nullable: true,
    description: 'Operational events this endpoint receives (null: all)',
    example: ['endpoint.disabled', 'message.attempt.exhausted'],
  })
  override filterTypes: string[] | null;

  @ApiProperty({ type: [String], nullable: true, description: 'The same list as filterTypes, under the name Svix SDK 2.x reads', example: ['endpoint.disabled'] })
  override eventTypes: string[] | null;
}

/** Svix `OperationalWebhookEndpointSecretOut`. */
export class OperationalWebhookEndpointSecretOut extends EndpointSecretOut {}

/** Svix `OperationalWebhookEndpointHeadersOut`. */
export class OperationalWebhookEndpointHeadersOut extends EndpointHeadersOut {}

/** Maps an endpoint of the operational application to Svix's `OperationalWebhookEndpointOut`. */
export function toOperationalWebhookEndpointOut(endpoint: EndpointEntity): OperationalWebhookEndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    disabled: endpoint.disabled,
    filterTypes: endpoint.filterTypes,
    eventTypes: endpoint.filterTypes,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    metadata: endpoint.metadata ?? {},
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
