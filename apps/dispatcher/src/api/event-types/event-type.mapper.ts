import { ApiProperty } from '@nestjs/swagger';
import type { EventTypeEntity } from '@switchyard/db';
import { EXAMPLE } from '../common/api-docs.js';

/** Example of an event type's `schemas`: JSON Schema by version, with examples send-example can use. */
export const SCHEMAS_EXAMPLE = {
  '1': { type: 'object', title: 'User signed up', properties: { email: { type: 'string' } }, required: ['email'], examples: [{ email: 'ada@example.com' }] },
};

/** Svix `EventTypeOut`, as sent on the wire. */
export class EventTypeOut {
  @ApiProperty({ type: String, description: 'The name, which is also the id', example: 'user.signup' })
  name: string;

  @ApiProperty({ type: String, example: 'A user has signed up' })
  description: string;

  @ApiProperty({ type: Boolean, description: 'Archived event types are hidden from lists and refused as endpoint filters' })
  archived: boolean;

  @ApiProperty({ type: Boolean })
  deprecated: boolean;

  @ApiProperty({ type: String, nullable: true, deprecated: true, description: 'The first of featureFlags' })
  featureFlag: string | null;

  @ApiProperty({ type: [String], nullable: true, example: ['cool-new-feature'] })
  featureFlags: string[] | null;

  @ApiProperty({ type: String, nullable: true, example: 'user' })
  groupName: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'JSON Schemas by version; null in lists unless `with_content=true`',
    example: SCHEMAS_EXAMPLE,
  })
  schemas: Record<string, unknown> | null;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  updatedAt: string;
}

/** Maps an event type row to Svix's `EventTypeOut`; lists leave `schemas` out unless asked (`with_content`). */
export function toEventTypeOut(eventType: EventTypeEntity, withSchemas = true): EventTypeOut {
  return {
    name: eventType.name,
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    featureFlag: eventType.featureFlags?.[0] ?? null,
    featureFlags: eventType.featureFlags,
    groupName: eventType.groupName,
    schemas: withSchemas ? eventType.schemas : null,
    createdAt: eventType.createdAt.toISOString(),
    updatedAt: eventType.updatedAt.toISOString(),
  };
}
