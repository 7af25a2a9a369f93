import { ListQueryDto } from '@switchyard/api-kit';
import { EVENT_TYPE_NAME, MAX_EVENT_TYPE_LENGTH } from '@switchyard/events';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsAbsentOr, IsJsonObject, IsStorableText, ToBoolean, UID_PATTERN } from '../../api-common/validators.js';

export const MAX_DESCRIPTION_LENGTH = 4096;
const FEATURE_FLAG_MESSAGE = 'feature flags are 1-256 characters of a-z, A-Z, 0-9, \'-\', \'_\' and \'.\'';

/** The fields of an event type every write may carry (Svix `EventTypeUpdate` without `description`'s requiredness). */
class EventTypeFieldsDto {
  @IsAbsentOr()
  @IsBoolean()
  archived?: boolean;

  @IsAbsentOr()
  @IsBoolean()
  deprecated?: boolean;

  /** Deprecated in Svix in favour of `featureFlags`. */
  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: FEATURE_FLAG_MESSAGE })
  featureFlag?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(UID_PATTERN, { each: true, message: FEATURE_FLAG_MESSAGE })
  featureFlags?: string[] | null;

  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: 'groupName must be 1-256 characters of a-z, A-Z, 0-9, \'-\', \'_\' and \'.\'' })
  groupName?: string | null;

  /** Versioned JSON schemas, e.g. `{"1": {"type": "object", "examples": [...]}}`. */
  @IsOptional()
  @IsJsonObject()
  schemas?: Record<string, unknown> | null;
}

/** Svix `EventTypeIn`: create. */
export class EventTypeInDto extends EventTypeFieldsDto {
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_NAME, { message: 'name must be letters, digits, \'-\', \'_\' and \'.\'' })
  name: string;

  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description: string;
}

/** Svix `EventTypeUpdate`: PUT, which replaces the event type (or creates it). */
export class EventTypeUpdateDto extends EventTypeFieldsDto {
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description: string;
}

/** Svix `EventTypePatch`: only the fields present change. */
export class EventTypePatchDto extends EventTypeFieldsDto {
  @IsAbsentOr()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description?: string;
}

/** Query of `GET /api/v1/event-type`. */
export class EventTypeListQueryDto extends ListQueryDto {
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  include_archived?: boolean;

  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  with_content?: boolean;
}

/** Query of `DELETE /api/v1/event-type/{name}`: `expunge=true` deletes instead of archiving. */
export class EventTypeDeleteQueryDto {
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  expunge?: boolean;
}
