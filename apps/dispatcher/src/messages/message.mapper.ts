import type { MessageEntity } from '@switchyard/db';
import { isoOrNull } from '../api-common/svix-types.js';

/** Svix `MessageOut`, as sent on the wire. */
export interface MessageOut {
  id: string;
  eventId: string | null;
  eventType: string;
  payload: Record<string, unknown>;
  channels: string[] | null;
  tags: string[] | null;
  deliverAt: string | null;
  timestamp: string;
}

/** What a message row's payload reads back as: the parsed JSON, or `{}` when content is not asked for (Svix). */
export function payloadOf(message: Pick<MessageEntity, 'payload'>, withContent: boolean): Record<string, unknown> {
  return withContent ? (JSON.parse(message.payload) as Record<string, unknown>) : {};
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
