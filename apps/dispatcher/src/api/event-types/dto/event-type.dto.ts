import { ApiProperty, ApiPropertyOptional, ApiSchema, type ApiPropertyOptions } from '@nestjs/swagger';
import { ListQueryDto } from '@switchyard/api-kit';
import { EVENT_TYPE_NAME, MAX_EVENT_TYPE_LENGTH } from '@switchyard/events';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsAbsentOr, IsJsonObject, IsStorableText, ToBoolean, UID_PATTERN } from '../../common/validators.js';
import { SCHEMAS_EXAMPLE } from '../event-type.mapper.js';

export const MAX_DESCRIPTION_LENGTH = 4096;
const FEATURE_FLAG_MESSAGE = "feature flags are 1-256 characters of a-z, A-Z, 0-9, '-', '_' and '.'";
const DESCRIPTION_DOC = { type: String, maxLength: MAX_DESCRIPTION_LENGTH, example: 'A user has signed up' } satisfies ApiPropertyOptions;

/** The fields of an event type every write may carry (Svix `EventTypeUpdate` without `description`'s requiredness). */
class EventTypeFieldsDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Archived event types are hidden from lists and refused as endpoint filters' })
  @IsAbsentOr()
  @IsBoolean()
  archived?: boolean;

  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsAbsentOr()
  @IsBoolean()
  deprecated?: boolean;

  /** Deprecated in Svix in favour of `featureFlags`. */
  @ApiPropertyOptional({ type: String, nullable: true, pattern: UID_PATTERN.source, deprecated: true, description: 'Use featureFlags', example: 'cool-new-feature' })
  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: FEATURE_FLAG_MESSAGE })
  featureFlag?: string | null;

  @ApiPropertyOptional({ type: [String], nullable: true, maxItems: 10, example: ['cool-new-feature'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(UID_PATTERN, { each: true, message: FEATURE_FLAG_MESSAGE })
  featureFlags?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, pattern: UID_PATTERN.source, description: 'Groups event types in the UI', example: 'user' })
  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: "groupName must be 1-256 characters of a-z, A-Z, 0-9, '-', '_' and '.'" })
  groupName?: string | null;

  /** Versioned JSON schemas, e.g. `{"1": {"type": "object", "examples": [...]}}`. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "JSON Schemas by version; send-example sends the newest version's examples",
    example: SCHEMAS_EXAMPLE,
  })
  @IsOptional()
  @IsJsonObject()
  schemas?: Record<string, unknown> | null;
}

/** Svix `EventTypeIn`: create. */
@ApiSchema({ name: 'EventTypeIn' })
export class EventTypeInDto extends EventTypeFieldsDto {
  @ApiProperty({ type: String, maxLength: MAX_EVENT_TYPE_LENGTH, pattern: EVENT_TYPE_NAME.source, description: 'The name, which is also the id', example: 'user.signup' })
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_NAME, { message: "name must be letters, digits, '-', '_' and '.'" })
  name: string;

  @ApiProperty(DESCRIPTION_DOC)
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description: string;
}

/** Svix `EventTypeUpdate`: PUT, which replaces the event type (or creates it). */
@ApiSchema({ name: 'EventTypeUpdate' })
export class EventTypeUpdateDto extends EventTypeFieldsDto {
  @ApiProperty(DESCRIPTION_DOC)
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description: string;
}

/** Svix `EventTypePatch`: only the fields present change. */
@ApiSchema({ name: 'EventTypePatch' })
export class EventTypePatchDto extends EventTypeFieldsDto {
  @ApiPropertyOptional(DESCRIPTION_DOC)
  @IsAbsentOr()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description?: string;
}

/** Query of `GET /api/v1/event-type`. */
export class EventTypeListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'List archived event types too' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  include_archived?: boolean;

  @ApiPropertyOptional({ type: Boolean, default: false, description: "Include each event type's schemas" })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  with_content?: boolean;
}

/** Query of `DELETE /api/v1/event-type/{name}`: `expunge=true` deletes instead of archiving. */
export class EventTypeDeleteQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Delete the event type for good instead of archiving it' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  expunge?: boolean;
}
