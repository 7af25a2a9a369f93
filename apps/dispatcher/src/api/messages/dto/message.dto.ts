import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { EVENT_TYPE_NAME, MAX_EVENT_TYPE_LENGTH } from '@switchyard/events';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { TimeBoundListQueryDto, WithContentQueryDto } from '../../common/list-query.dto.js';
import { CHANNEL_PATTERN, IsAbsentOr, IsJsonObject, IsUid, ToBoolean, ToDate, ToList, UID_PATTERN } from '../../common/validators.js';
import { ApplicationInDto } from '../../applications/dto/application.dto.js';
import { PAYLOAD_EXAMPLE } from '../message.mapper.js';
import { EXAMPLE } from '../../common/api-docs.js';

const EVENT_TYPE_MESSAGE = "event types are letters, digits, '-', '_' and '.'";
const CHANNEL_MESSAGE = "channels and tags are 1-128 characters of a-z, A-Z, 0-9, '-', '_', '.' and ':'";

/** Svix `MessageIn`: what a publisher sends. */
@ApiSchema({ name: 'MessageIn' })
export class MessageInDto {
  @ApiProperty({
    type: String,
    maxLength: MAX_EVENT_TYPE_LENGTH,
    pattern: EVENT_TYPE_NAME.source,
    description: "The event type; endpoints whose filterTypes don't match it skip the message",
    example: 'user.signup',
  })
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_NAME, { message: EVENT_TYPE_MESSAGE })
  eventType: string;

  /** The webhook body: a JSON object (as Svix). Stored as the exact text sent. */
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The webhook body: a JSON object, delivered as the exact text sent', example: PAYLOAD_EXAMPLE })
  @IsJsonObject({ message: 'payload must be a JSON object (without U+0000 or unpaired surrogates in its strings)' })
  payload: Record<string, unknown>;

  /** The publisher's own unique id of the message; a repeat within the application answers 409. */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    pattern: UID_PATTERN.source,
    description: 'Your own unique id of the message, usable wherever the id is; a repeat within the application is a 409',
    example: 'unique-msg-identifier',
  })
  @IsOptional()
  @IsString()
  @IsUid('msg')
  eventId?: string | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    minItems: 1,
    maxItems: 5,
    description: 'Only endpoints listening to one of these channels (or to all) get the message',
    example: ['project_123'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'channels must have at least 1 and at most 5 items, or be null' })
  @ArrayMaxSize(5, { message: 'channels must have at least 1 and at most 5 items, or be null' })
  @IsString({ each: true })
  @Matches(CHANNEL_PATTERN, { each: true, message: CHANNEL_MESSAGE })
  channels?: string[] | null;

  @ApiPropertyOptional({ type: [String], nullable: true, minItems: 1, maxItems: 5, description: 'Labels to filter message lists by', example: ['signup'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'tags must have at least 1 and at most 5 items, or be null' })
  @ArrayMaxSize(5, { message: 'tags must have at least 1 and at most 5 items, or be null' })
  @IsString({ each: true })
  @Matches(CHANNEL_PATTERN, { each: true, message: CHANNEL_MESSAGE })
  tags?: string[] | null;

  /** Deliver no earlier than this (at most 24 hours ahead). */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'Deliver no earlier than this (at most 24 hours ahead)' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'deliverAt must be an ISO-8601 date-time' })
  deliverAt?: Date | null;

  /** Creates the application named by the path's uid if it does not exist yet (Svix). */
  @ApiPropertyOptional({
    type: () => ApplicationInDto,
    nullable: true,
    description: "Creates the application if the path's app_id is a uid that names none yet",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApplicationInDto)
  application?: ApplicationInDto | null;

  /** Days to keep the payload (Svix: 5-90), instead of PAYLOAD_RETENTION; not with payloadRetentionHours. */
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 5,
    maximum: 90,
    description: 'Days to keep the payload, instead of the server default (PAYLOAD_RETENTION); mutually exclusive with payloadRetentionHours',
  })
  @IsOptional()
  @IsInt()
  @Min(5)
  @Max(90)
  payloadRetentionPeriod?: number | null;

  /** Hours to keep the payload (Svix: 1-2160), instead of PAYLOAD_RETENTION; not with payloadRetentionPeriod. */
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 2160,
    description: 'Hours to keep the payload, instead of the server default (PAYLOAD_RETENTION); mutually exclusive with payloadRetentionPeriod',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2160)
  payloadRetentionHours?: number | null;

  /** Parameters for Svix Transformations, which this dispatcher does not run; accepted and ignored. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'Accepted for compatibility and ignored: transformations are not run' })
  @IsOptional()
  @IsJsonObject()
  transformationsParams?: Record<string, unknown> | null;
}

/** `channel`, `tag`, `event_types`, `before`/`after` and `with_content`: the message filters Svix lists share. */
export class MessageFilterQueryDto extends TimeBoundListQueryDto {
  @ApiPropertyOptional({ type: String, pattern: CHANNEL_PATTERN.source, description: 'Only messages sent to this channel', example: 'project_123' })
  @IsOptional()
  @IsString()
  @Matches(CHANNEL_PATTERN, { message: CHANNEL_MESSAGE })
  channel?: string;

  @ApiPropertyOptional({ type: String, pattern: CHANNEL_PATTERN.source, description: 'Only messages with this tag', example: 'signup' })
  @IsOptional()
  @IsString()
  @Matches(CHANNEL_PATTERN, { message: CHANNEL_MESSAGE })
  tag?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description: 'Only messages of these event types (comma-separated, as the SDK sends them, or repeated)',
    example: ['user.signup', 'user.deleted'],
  })
  @IsOptional()
  @ToList()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(MAX_EVENT_TYPE_LENGTH, { each: true })
  @Matches(EVENT_TYPE_NAME, { each: true, message: EVENT_TYPE_MESSAGE })
  event_types?: string[];

  @ApiPropertyOptional({ type: Boolean, default: true, description: 'Include the payload (false: `payload` is `{}`)' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  with_content?: boolean;
}

/** Query of `GET …/msg`. */
export class MessageListQueryDto extends MessageFilterQueryDto {}

/** Query of `GET …/msg/{msg_id}` and `POST …/msg`. */
export class MessageContentQueryDto extends WithContentQueryDto {}

/** Most ids one bulk expunge takes. */
export const MAX_BULK_EXPUNGE_IDS = 1000;

/** Svix `BulkExpungeContentsIn`: the messages (ids or eventIds) whose payloads to expunge. */
@ApiSchema({ name: 'BulkExpungeContentsIn' })
export class BulkExpungeContentsInDto {
  @ApiPropertyOptional({ type: [String], maxItems: MAX_BULK_EXPUNGE_IDS, description: 'Message ids (`msg_…`) or the eventIds they were published with', example: [EXAMPLE.msgId] })
  @IsAbsentOr()
  @IsArray()
  @ArrayMaxSize(MAX_BULK_EXPUNGE_IDS)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  ids?: string[];
}
