import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { MessageEntity } from '@switchyard/db';
import { BackgroundTaskStartedOut } from '../background-tasks/background-task.mapper.js';
import { EXAMPLE } from '../common/api-docs.js';
import { isoOrNull } from '../common/svix-types.js';

/** Example of a message payload. */
export const PAYLOAD_EXAMPLE = { email: 'ada@example.com', type: 'user.signup', username: 'ada' };

/** Svix `MessageOut`, as sent on the wire. */
export class MessageOut {
  @ApiProperty({ type: String, description: "The message's id", example: EXAMPLE.msgId })
  id: string;

  @ApiProperty({ type: String, nullable: true, description: "The publisher's own unique id of the message, usable wherever the id is", example: 'unique-msg-identifier' })
  eventId: string | null;

  @ApiProperty({ type: String, example: 'user.signup' })
  eventType: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The JSON payload; `{}` when `with_content=false`, `{"expired":true}` once expunged', example: PAYLOAD_EXAMPLE })
  payload: Record<string, unknown>;

  @ApiProperty({ type: [String], nullable: true, example: ['project_123'] })
  channels: string[] | null;

  @ApiProperty({ type: [String], nullable: true, example: ['signup'] })
  tags: string[] | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Not delivered before this time' })
  deliverAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the message was created', example: EXAMPLE.time })
  timestamp: string;
}

/** What Svix answers as the payload of a message whose content is gone (past its retention, or expunged). */
export const EXPIRED_PAYLOAD: Readonly<Record<string, unknown>> = Object.freeze({ expired: true });

/**
 * What a message row's payload reads back as: the parsed JSON, `{}` when content is not asked
 * for, and `{"expired": true}` when the payload is gone (Svix).
 */
export function payloadOf(message: Pick<MessageEntity, 'payload'>, withContent: boolean): Record<string, unknown> {
  if (!withContent) return {};
  return message.payload === null ? { ...EXPIRED_PAYLOAD } : (JSON.parse(message.payload) as Record<string, unknown>);
}

/** Maps a message row to Svix's `MessageOut`. */
export function toMessageOut(message: MessageEntity, withContent: boolean): MessageOut {
  return {
    id: message.id,
    eventId: message.eventId,
    eventType: message.eventType,
    payload: payloadOf(message, withContent),
    channels: message.channels,
    tags: message.tags,
    deliverAt: isoOrNull(message.deliverAt),
    timestamp: message.createdAt.toISOString(),
  };
}

/** Svix `BulkExpungeContentsOut`: per id asked for, whether its payload was expunged. */
@ApiSchema({ name: 'BulkExpungeContentsOut' })
export class BulkExpungeContentsOut {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['expunged', 'not-found'] },
    description: 'Each id of the request: `expunged` (also when it already was) or `not-found`',
    example: { [EXAMPLE.msgId]: 'expunged', msg_unknown: 'not-found' },
  })
  results: Record<string, 'expunged' | 'not-found'>;
}

/** Svix `ExpungeAllContentsOut`: the `application.purge_content` task. */
@ApiSchema({ name: 'ExpungeAllContentsOut' })
export class ExpungeAllContentsOut extends BackgroundTaskStartedOut {}
