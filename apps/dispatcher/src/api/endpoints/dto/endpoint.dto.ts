import { ApiProperty, ApiPropertyOptional, ApiSchema, type ApiPropertyOptions } from '@nestjs/swagger';
import { EVENT_TYPE_NAME } from '@switchyard/events';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_RATE_LIMIT, METADATA_LIMITS } from '../../applications/dto/application.dto.js';
import { MAX_DESCRIPTION_LENGTH } from '../../event-types/dto/event-type.dto.js';
import { EXAMPLE, METADATA_SCHEMA } from '../../common/api-docs.js';
import { AgreesWith, CHANNEL_PATTERN, FILTER_TYPE_PATTERN, HasNoControlCharacters, IsAbsentOr, IsStorableText, IsStringRecord, IsUid, ToDate, UID_PATTERN } from '../../common/validators.js';

/** Bounds of an endpoint's custom headers as the DTO sees them (EndpointStore checks names and values). */
export const HEADER_LIMITS = { maxEntries: 50, maxKeyLength: 256, maxValueLength: 4096 } as const;
export const MAX_URL_LENGTH = 2048;
export const MAX_SECRET_LENGTH = 200;

/** OpenAPI descriptions of the endpoint fields, shared by every endpoint write (operational-webhook endpoints too). */
export const ENDPOINT_DOCS = {
  uid: {
    type: String,
    nullable: true,
    pattern: UID_PATTERN.source,
    description: 'Your own unique identifier, usable wherever the id is (it must not look like an id, `ep_…`)',
    example: 'unique-ep-identifier',
  },
  url: { type: String, format: 'uri', maxLength: MAX_URL_LENGTH, description: 'Where deliveries are POSTed (http or https)', example: 'https://example.com/webhook/' },
  description: { type: String, maxLength: MAX_DESCRIPTION_LENGTH, default: '', example: 'An example endpoint name' },
  disabled: { type: Boolean, default: false, description: 'A disabled endpoint gets no deliveries' },
  throttleRate: {
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_RATE_LIMIT,
    description: "Messages per second to this endpoint (null: the application's limit, if any)",
    example: 10,
  },
  rateLimit: {
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_RATE_LIMIT,
    deprecated: true,
    description: 'Same as throttleRate, which wins when both are given',
    example: 10,
  },
  filterTypes: {
    type: [String],
    nullable: true,
    minItems: 1,
    maxItems: 250,
    description: 'Event types this endpoint receives (null: all); `prefix.*` matches every type starting `prefix.`, `*` every type',
    example: ['user.signup', 'invoice.*'],
  },
  eventTypes: {
    type: [String],
    nullable: true,
    minItems: 1,
    maxItems: 250,
    description: 'The same list as filterTypes, under the name Svix SDK 2.x uses; when a body gives both, they must agree',
    example: ['user.signup', 'invoice.*'],
  },
  metadata: { ...METADATA_SCHEMA, maxProperties: METADATA_LIMITS.maxEntries },
  secret: {
    type: String,
    nullable: true,
    maxLength: MAX_SECRET_LENGTH,
    description: 'The signing secret, `whsec_` and base64 (the prefix is optional); generated when absent',
    example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
  },
  headers: {
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: HEADER_LIMITS.maxEntries,
    description: 'Custom headers sent with every delivery',
    example: { 'X-Example': '123', Authorization: 'Bearer 8f1c…' },
  },
} satisfies Record<string, ApiPropertyOptions>;

/** The fields every endpoint write shares, operational-webhook endpoints included. */
export class EndpointCommonFieldsDto {
  @ApiPropertyOptional(ENDPOINT_DOCS.uid)
  @IsOptional()
  @IsString()
  @IsUid('ep')
  uid?: string | null;

  @ApiPropertyOptional(ENDPOINT_DOCS.description)
  @IsAbsentOr()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  @IsStorableText()
  description?: string;

  @ApiPropertyOptional(ENDPOINT_DOCS.disabled)
  @IsAbsentOr()
  @IsBoolean()
  disabled?: boolean;

  /** Deprecated in Svix in favour of `throttleRate`; both set the same limit. */
  @ApiPropertyOptional(ENDPOINT_DOCS.rateLimit)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  rateLimit?: number | null;

  @ApiPropertyOptional(ENDPOINT_DOCS.throttleRate)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  throttleRate?: number | null;

  /** Event types this endpoint receives (omit for all); `prefix.*` matches a prefix. */
  @ApiPropertyOptional(ENDPOINT_DOCS.filterTypes)
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: "filterTypes can't be empty, it must have at least one item; use null for every type" })
  @ArrayMaxSize(250)
  @IsString({ each: true })
  @Matches(FILTER_TYPE_PATTERN, { each: true, message: 'each filter type must be an event type name, optionally ending in .*' })
  filterTypes?: string[] | null;

  /** SDK 2.x's name for filterTypes. */
  @ApiPropertyOptional(ENDPOINT_DOCS.eventTypes)
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: "eventTypes can't be empty, it must have at least one item; use null for every type" })
  @ArrayMaxSize(250)
  @IsString({ each: true })
  @Matches(FILTER_TYPE_PATTERN, { each: true, message: 'each event type must be an event type name, optionally ending in .*' })
  @AgreesWith('filterTypes')
  eventTypes?: string[] | null;

  @ApiPropertyOptional(ENDPOINT_DOCS.metadata)
  @IsAbsentOr()
  @IsStringRecord(METADATA_LIMITS)
  metadata?: Record<string, string>;
}

/**
 * The type filter a write gives, under either name (`filterTypes`, SDK 1.x; `eventTypes`, SDK 2.x;
 * validation made sure they agree when both are present). Undefined: the body names neither.
 */
export function typeFilterOf(dto: Pick<EndpointCommonFieldsDto, 'filterTypes' | 'eventTypes'>): string[] | null | undefined {
  return dto.filterTypes !== undefined ? dto.filterTypes : dto.eventTypes;
}

/** The fields all application-endpoint writes share (Svix `EndpointUpdate` minus `url` and `version`). */
export class EndpointFieldsDto extends EndpointCommonFieldsDto {
  /** Channels this endpoint listens to (omit for all). */
  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    minItems: 1,
    maxItems: 10,
    description: 'Channels this endpoint listens to (null: all); 1-128 characters of a-z, A-Z, 0-9, `-_.:` each',
    example: ['project_123'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'channels must have at least 1 and at most 10 items, or be null' })
  @ArrayMaxSize(10, { message: 'channels must have at least 1 and at most 10 items, or be null' })
  @IsString({ each: true })
  @Matches(CHANNEL_PATTERN, { each: true, message: "each channel must be 1-128 characters of a-z, A-Z, 0-9, '-', '_', '.' and ':'" })
  channels?: string[] | null;
}

/** Svix `EndpointUpdate`: PUT, which replaces the endpoint (or creates it). */
@ApiSchema({ name: 'EndpointUpdate' })
export class EndpointUpdateDto extends EndpointFieldsDto {
  @ApiProperty(ENDPOINT_DOCS.url)
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoControlCharacters()
  url: string;

  /** Deprecated in Svix; kept because the SDK still sends it. */
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, deprecated: true, example: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  version?: number | null;
}

/** Svix `EndpointIn`: create. */
@ApiSchema({ name: 'EndpointIn' })
export class EndpointInDto extends EndpointUpdateDto {
  /** `whsec_` + base64 (the prefix is optional on input); generated when absent. */
  @ApiPropertyOptional(ENDPOINT_DOCS.secret)
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  secret?: string | null;

  @ApiPropertyOptional({ ...ENDPOINT_DOCS.headers, nullable: true })
  @IsOptional()
  @IsStringRecord(HEADER_LIMITS)
  headers?: Record<string, string> | null;
}

/** Svix `EndpointPatch`: only the fields present change; null clears a nullable one. */
@ApiSchema({ name: 'EndpointPatch' })
export class EndpointPatchDto extends EndpointFieldsDto {
  @ApiPropertyOptional(ENDPOINT_DOCS.url)
  @IsAbsentOr()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoControlCharacters()
  url?: string;

  /** Deprecated in Svix (use rotateSecret): replaces the secret at once, with no grace period. */
  @ApiPropertyOptional({ ...ENDPOINT_DOCS.secret, deprecated: true, description: 'Replaces the secret at once, with no grace period (use rotate-secret instead)' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  secret?: string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, deprecated: true, example: 1 })
  @IsAbsentOr()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  version?: number;
}

/** Svix `EndpointSecretRotateIn`. */
@ApiSchema({ name: 'EndpointSecretRotateIn' })
export class EndpointSecretRotateInDto {
  @ApiPropertyOptional({ ...ENDPOINT_DOCS.secret, description: 'The new secret, `whsec_` and base64 (the prefix is optional); generated when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  key?: string | null;

  /** 0 (the old key stops at once) to 7 days; default 24 h. */
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: 7 * 24 * 3600,
    default: 24 * 3600,
    description: 'How long the old secret keeps signing alongside the new one (0: it stops at once)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  gracePeriodSeconds?: number | null;
}

/** Svix `EndpointHeadersIn`: replaces every custom header. */
@ApiSchema({ name: 'EndpointHeadersIn' })
export class EndpointHeadersInDto {
  @ApiProperty({ ...ENDPOINT_DOCS.headers, description: 'Every custom header of the endpoint (the ones not named are removed)' })
  @IsStringRecord(HEADER_LIMITS)
  headers: Record<string, string>;
}

/** Svix `EndpointHeadersPatchIn`: sets some headers, deletes others (named, or given a null value). */
@ApiSchema({ name: 'EndpointHeadersPatchIn' })
export class EndpointHeadersPatchInDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    maxProperties: HEADER_LIMITS.maxEntries,
    description: 'Headers to set; a null value deletes the header',
    example: { 'X-Example': '123', 'X-Old': null },
  })
  @IsStringRecord({ ...HEADER_LIMITS, nullValues: true })
  headers: Record<string, string | null>;

  @ApiPropertyOptional({ type: [String], maxItems: HEADER_LIMITS.maxEntries, description: 'Headers to delete', example: ['X-Legacy'] })
  @IsAbsentOr()
  @IsArray()
  @ArrayMaxSize(HEADER_LIMITS.maxEntries)
  @IsString({ each: true })
  @MaxLength(HEADER_LIMITS.maxKeyLength, { each: true })
  deleteHeaders?: string[];
}

/** Query of `GET …/stats`: the window of deliveries counted (default: the last 28 days). */
export class EndpointStatsQueryDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Start of the window (default: 28 days before `until`; at most 28 days before it)', example: EXAMPLE.time })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'since must be an ISO-8601 date-time' })
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'End of the window (default: now; not in the future)' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'until must be an ISO-8601 date-time' })
  until?: Date;
}

/** Svix `RecoverIn`: re-send every failed message of the endpoint since `since` (until `until`). */
@ApiSchema({ name: 'RecoverIn' })
export class RecoverInDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Re-send the failed messages created since this time', example: EXAMPLE.time })
  @ToDate()
  @IsDate({ message: 'since must be an ISO-8601 date-time' })
  since: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: '… and before this time (default: now)' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'until must be an ISO-8601 date-time' })
  until?: Date | null;
}

/** Svix `ReplayIn`: send the endpoint the messages it never got, created since `since` (until `until`). */
@ApiSchema({ name: 'ReplayIn' })
export class ReplayInDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Send the messages created since this time that the endpoint never got', example: EXAMPLE.time })
  @ToDate()
  @IsDate({ message: 'since must be an ISO-8601 date-time' })
  since: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: '… and before this time (default: now)' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'until must be an ISO-8601 date-time' })
  until?: Date | null;
}

/** Svix `EventExampleIn`: send the event type's example to this endpoint only. */
@ApiSchema({ name: 'EventExampleIn' })
export class EventExampleInDto {
  @ApiProperty({
    type: String,
    maxLength: 256,
    pattern: EVENT_TYPE_NAME.source,
    description: 'An event type whose newest schema has an example, or `svix.ping` (sends `{"success":true}`)',
    example: 'user.signup',
  })
  @IsString()
  @MaxLength(256)
  @Matches(/^[a-zA-Z0-9\-_.]+$/, { message: "eventType must be letters, digits, '-', '_' and '.'" })
  eventType: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 1000, default: 0, description: "Which of the schema's examples to send" })
  @IsAbsentOr()
  @IsInt()
  @Min(0)
  @Max(1000)
  exampleIndex?: number;
}
