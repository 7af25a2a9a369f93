import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches } from 'class-validator';
import { MESSAGE_STATUS_DESCRIPTION, MESSAGE_STATUSES, STATUS_CODE_CLASSES } from '../../common/svix-types.js';
import { ToBoolean, ToInteger, UID_PATTERN } from '../../common/validators.js';
import { MessageFilterQueryDto } from '../../messages/dto/message.dto.js';

const EXPANDED_STATUSES_DOC = {
  type: Boolean,
  description: 'Accepted for the SDK, which always sends it; statuses are always the expanded ones (sending and canceled included)',
} as const;

/** Query of `GET …/endpoint/{endpoint_id}/msg` (listAttemptedMessages). */
export class AttemptedMessagesQueryDto extends MessageFilterQueryDto {
  /** Svix MessageStatus: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled. */
  @ApiPropertyOptional({ type: 'integer', enum: [...MESSAGE_STATUSES], description: `Only this status (${MESSAGE_STATUS_DESCRIPTION})` })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @IsIn(MESSAGE_STATUSES, { message: 'status must be 0 (success), 1 (pending), 2 (fail), 3 (sending) or 4 (canceled)' })
  status?: number;

  /** Sent by the SDK on every attempt read; statuses are always the expanded ones here. */
  @ApiPropertyOptional(EXPANDED_STATUSES_DOC)
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  expanded_statuses?: boolean;
}

/** The attempt filters listByEndpoint and listByMsg share. */
class AttemptFilterQueryDto extends AttemptedMessagesQueryDto {
  /** Svix StatusCodeClass: 0 (no response), 100, 200, 300, 400, 500. */
  @ApiPropertyOptional({
    type: 'integer',
    enum: Object.keys(STATUS_CODE_CLASSES).map(Number),
    description: 'Only attempts whose response status is in this class (Svix `StatusCodeClass`: 0 no response, 100, 200, 300, 400, 500)',
  })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @IsIn(Object.keys(STATUS_CODE_CLASSES).map(Number), { message: 'status_code_class must be 0, 100, 200, 300, 400 or 500' })
  status_code_class?: number;
}

/** Query of `GET …/attempt/endpoint/{endpoint_id}`. */
export class AttemptListByEndpointQueryDto extends AttemptFilterQueryDto {
  /** Include each attempt's message. */
  @ApiPropertyOptional({ type: Boolean, default: false, description: "Include each attempt's message as `msg`" })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  with_msg?: boolean;
}

/** Query of `GET …/attempt/msg/{msg_id}`. */
export class AttemptListByMsgQueryDto extends AttemptFilterQueryDto {
  /** Only attempts to this endpoint (id or uid). */
  @ApiPropertyOptional({ type: String, pattern: UID_PATTERN.source, description: 'Only attempts to this endpoint (id or uid)', example: 'unique-ep-identifier' })
  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: 'endpoint_id must be an endpoint id or uid' })
  endpoint_id?: string;
}

/** Query of `GET …/msg/{msg_id}/attempt/{attempt_id}`. */
export class AttemptGetQueryDto {
  @ApiPropertyOptional(EXPANDED_STATUSES_DOC)
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  expanded_statuses?: boolean;
}
