import type { AttemptEntity, DeliveryEntity, DeliveryStatus, EndpointEntity, MessageEntity } from '@switchyard/db';
import { isoOrNull, STATUS_TEXT } from '../api-common/svix-types.js';
import { toEndpointOut, type EndpointOut } from '../endpoints/endpoint.mapper.js';
import { toMessageOut, type MessageOut } from '../messages/message.mapper.js';

/** Svix `MessageAttemptOut`, as sent on the wire. */
export interface MessageAttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: DeliveryStatus;
  statusText: string;
  triggerType: number;
  timestamp: string;
  msg?: MessageOut | null;
}

/** Maps an attempt row to Svix's `MessageAttemptOut`; without content the response body reads `{}` (Svix). */
export function toMessageAttemptOut(attempt: AttemptEntity, withContent: boolean, msg?: MessageOut | null): MessageAttemptOut {
  const out: MessageAttemptOut = {
    id: attempt.id,
    msgId: attempt.messageId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    response: withContent ? attempt.response : '{}',
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    status: attempt.status,
    statusText: STATUS_TEXT[attempt.status],
    triggerType: attempt.triggerType,
    timestamp: attempt.createdAt.toISOString(),
  };
  if (msg !== undefined) out.msg = msg;
  return out;
}

/** Svix `EndpointMessageOut`: a message with its delivery state at one endpoint. */
export interface EndpointMessageOut extends MessageOut {
  status: DeliveryStatus;
  statusText: string;
  nextAttempt: string | null;
}

/** Maps a delivery (with its message) to Svix's `EndpointMessageOut`. */
export function toEndpointMessageOut(delivery: DeliveryEntity & { message: MessageEntity }, withContent: boolean): EndpointMessageOut {
  return {
    ...toMessageOut(delivery.message, withContent),
    status: delivery.status,
    statusText: STATUS_TEXT[delivery.status],
    nextAttempt: isoOrNull(delivery.nextAttemptAt),
  };
}

/** Svix `MessageEndpointOut`: an endpoint with the delivery state of one message to it. */
export interface MessageEndpointOut extends Omit<EndpointOut, 'metadata'> {
  status: DeliveryStatus;
  statusText: string;
  nextAttempt: string | null;
}

/** Maps a delivery (with its endpoint) to Svix's `MessageEndpointOut`. */
export function toMessageEndpointOut(delivery: DeliveryEntity & { endpoint: EndpointEntity }): MessageEndpointOut {
  const { metadata: _metadata, ...endpoint } = toEndpointOut(delivery.endpoint);
  return { ...endpoint, status: delivery.status, statusText: STATUS_TEXT[delivery.status], nextAttempt: isoOrNull(delivery.nextAttemptAt) };
}
