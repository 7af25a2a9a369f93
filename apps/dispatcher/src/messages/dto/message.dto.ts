import { Type } from 'class-transformer';
import { EVENT_TYPE_NAME, MAX_EVENT_TYPE_LENGTH } from '@switchyard/events';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { TimeBoundListQueryDto, WithContentQueryDto } from '../../api-common/list-query.dto.js';
import { CHANNEL_PATTERN, IsJsonObject, IsUid, ToBoolean, ToDate, ToList } from '../../api-common/validators.js';
import { ApplicationInDto } from '../../applications/dto/application.dto.js';

const EVENT_TYPE_MESSAGE = "event types are letters, digits, '-', '_' and '.'";
const CHANNEL_MESSAGE = "channels and tags are 1-128 characters of a-z, A-Z, 0-9, '-', '_', '.' and ':'";

/** Svix `MessageIn`: what a publisher sends. */
export class MessageInDto {
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_NAME, { message: EVENT_TYPE_MESSAGE })
  eventType: string;

  /** The webhook body: a JSON object (as Svix). Stored as the exact text sent. */
  @IsJsonObject({ message: 'payload must be a JSON object (without U+0000 or unpaired surrogates in its strings)' })
  payload: Record<string, unknown>;

  /** The publisher's own unique id of the message; a repeat within the application answers 409. */
  @IsOptional()
  @IsString()
  @IsUid('msg')
  eventId?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'channels must have at least 1 and at most 5 items, or be null' })
  @ArrayMaxSize(5, { message: 'channels must have at least 1 and at most 5 items, or be null' })
  @IsString({ each: true })
  @Matches(CHANNEL_PATTERN, { each: true, message: CHANNEL_MESSAGE })
  channels?: string[] | null;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'tags must have at least 1 and at most 5 items, or be null' })
  @ArrayMaxSize(5, { message: 'tags must have at least 1 and at most 5 items, or be null' })
  @IsString({ each: true })
  @Matches(CHANNEL_PATTERN, { each: true, message: CHANNEL_MESSAGE })
  tags?: string[] | null;

  /** Deliver no earlier than this (at most 24 hours ahead). */
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'deliverAt must be an ISO-8601 date-time' })
  deliverAt?: Date | null;

  /** Creates the application named by the path's uid if it does not exist yet (Svix). */
  @IsOptional()
  @ValidateNested()
  @Type(() => ApplicationInDto)
  application?: ApplicationInDto | null;

  /** Days to keep the payload (Svix: 5-90). Accepted for compatibility; payloads are kept with the message. */
  @IsOptional()
  @IsInt()
  @Min(5)
  @Max(90)
  payloadRetentionPeriod?: number | null;

  /** Hours to keep the payload (Svix: 1-2160). Accepted for compatibility, as above. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2160)
  payloadRetentionHours?: number | null;

  /** Parameters for Svix Transformations, which this dispatcher does not run; accepted and ignored. */
  @IsOptional()
  @IsJsonObject()
  transformationsParams?: Record<string, unknown> | null;
}

/** `channel`, `tag`, `event_types`, `before`/`after` and `with_content`: the message filters Svix lists share. */
export class MessageFilterQueryDto extends TimeBoundListQueryDto {
  @IsOptional()
  @IsString()
  @Matches(CHANNEL_PATTERN, { message: CHANNEL_MESSAGE })
  channel?: string;

  @IsOptional()
  @IsString()
  @Matches(CHANNEL_PATTERN, { message: CHANNEL_MESSAGE })
  tag?: string;

  @IsOptional()
  @ToList()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(MAX_EVENT_TYPE_LENGTH, { each: true })
  @Matches(EVENT_TYPE_NAME, { each: true, message: EVENT_TYPE_MESSAGE })
  event_types?: string[];

  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  with_content?: boolean;
}

/** Query of `GET …/msg`. */
export class MessageListQueryDto extends MessageFilterQueryDto {}

/** Query of `GET …/msg/{msg_id}` and `POST …/msg`. */
export class MessageContentQueryDto extends WithContentQueryDto {}
