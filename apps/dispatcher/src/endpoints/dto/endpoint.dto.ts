import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_RATE_LIMIT, METADATA_LIMITS } from '../../applications/dto/application.dto.js';
import { MAX_DESCRIPTION_LENGTH } from '../../event-types/dto/event-type.dto.js';
import { CHANNEL_PATTERN, FILTER_TYPE_PATTERN, HasNoControlCharacters, IsAbsentOr, IsStorableText, IsStringRecord, IsUid, ToDate } from '../../api-common/validators.js';

/** Bounds of an endpoint's custom headers as the DTO sees them (EndpointStore checks names and values). */
export const HEADER_LIMITS = { maxEntries: 50, maxKeyLength: 256, maxValueLength: 4096 } as const;
export const MAX_URL_LENGTH = 2048;
export const MAX_SECRET_LENGTH = 200;

/** The fields every endpoint write shares, operational-webhook endpoints included. */
export class EndpointCommonFieldsDto {
  @IsOptional()
  @IsString()
  @IsUid('ep')
  uid?: string | null;

  @IsAbsentOr()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description?: string;

  @IsAbsentOr()
  @IsBoolean()
  disabled?: boolean;

  /** Deprecated in Svix in favour of `throttleRate`; both set the same limit. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  rateLimit?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  throttleRate?: number | null;

  /** Event types this endpoint receives (omit for all); `prefix.*` matches a prefix. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: "filterTypes can't be empty, it must have at least one item; use null for every type" })
  @ArrayMaxSize(250)
  @IsString({ each: true })
  @Matches(FILTER_TYPE_PATTERN, { each: true, message: 'each filter type must be an event type name, optionally ending in .*' })
  filterTypes?: string[] | null;

  @IsAbsentOr()
  @IsStringRecord(METADATA_LIMITS)
  metadata?: Record<string, string>;
}

/** The fields all application-endpoint writes share (Svix `EndpointUpdate` minus `url` and `version`). */
export class EndpointFieldsDto extends EndpointCommonFieldsDto {
  /** Channels this endpoint listens to (omit for all). */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'channels must have at least 1 and at most 10 items, or be null' })
  @ArrayMaxSize(10, { message: 'channels must have at least 1 and at most 10 items, or be null' })
  @IsString({ each: true })
  @Matches(CHANNEL_PATTERN, { each: true, message: 'each channel must be 1-128 characters of a-z, A-Z, 0-9, \'-\', \'_\', \'.\' and \':\'' })
  channels?: string[] | null;
}

/** Svix `EndpointUpdate`: PUT, which replaces the endpoint (or creates it). */
export class EndpointUpdateDto extends EndpointFieldsDto {
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoControlCharacters()
  url: string;

  /** Deprecated in Svix; kept because the SDK still sends it. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  version?: number | null;
}

/** Svix `EndpointIn`: create. */
export class EndpointInDto extends EndpointUpdateDto {
  /** `whsec_` + base64 (the prefix is optional on input); generated when absent. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  secret?: string | null;

  @IsOptional()
  @IsStringRecord(HEADER_LIMITS)
  headers?: Record<string, string> | null;
}

/** Svix `EndpointPatch`: only the fields present change; null clears a nullable one. */
export class EndpointPatchDto extends EndpointFieldsDto {
  @IsAbsentOr()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoControlCharacters()
  url?: string;

  /** Deprecated in Svix (use rotateSecret): replaces the secret at once, with no grace period. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  secret?: string | null;

  @IsAbsentOr()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  version?: number;
}

/** Svix `EndpointSecretRotateIn`. */
export class EndpointSecretRotateInDto {
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  key?: string | null;

  /** 0 (the old key stops at once) to 7 days; default 24 h. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  gracePeriodSeconds?: number | null;
}

/** Svix `EndpointHeadersIn`: replaces every custom header. */
export class EndpointHeadersInDto {
  @IsStringRecord(HEADER_LIMITS)
  headers: Record<string, string>;
}

/** Svix `EndpointHeadersPatchIn`: sets some headers, deletes others (named, or given a null value). */
export class EndpointHeadersPatchInDto {
  @IsStringRecord({ ...HEADER_LIMITS, nullValues: true })
  headers: Record<string, string | null>;

  @IsAbsentOr()
  @IsArray()
  @ArrayMaxSize(HEADER_LIMITS.maxEntries)
  @IsString({ each: true })
  @MaxLength(HEADER_LIMITS.maxKeyLength, { each: true })
  deleteHeaders?: string[];
}

/** Query of `GET …/stats`: the window of deliveries counted (default: the last 28 days). */
export class EndpointStatsQueryDto {
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'since must be an ISO-8601 date-time' })
  since?: Date;

  @IsOptional()
  @ToDate()
  @IsDate({ message: 'until must be an ISO-8601 date-time' })
  until?: Date;
}

/** Svix `RecoverIn`: re-send every failed message of the endpoint since `since` (until `until`). */
export class RecoverInDto {
  @ToDate()
  @IsDate({ message: 'since must be an ISO-8601 date-time' })
  since: Date;

  @IsOptional()
  @ToDate()
  @IsDate({ message: 'until must be an ISO-8601 date-time' })
  until?: Date | null;
}

/** Svix `EventExampleIn`: send the event type's example to this endpoint only. */
export class EventExampleInDto {
  @IsString()
  @MaxLength(256)
  @Matches(/^[a-zA-Z0-9\-_.]+$/, { message: 'eventType must be letters, digits, \'-\', \'_\' and \'.\'' })
  eventType: string;

  @IsAbsentOr()
  @IsInt()
  @Min(0)
  @Max(1000)
  exampleIndex?: number;
}
