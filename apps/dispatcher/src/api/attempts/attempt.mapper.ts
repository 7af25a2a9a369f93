import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import type { AttemptEntity, DeliveryEntity, DeliveryStatus, EndpointEntity, MessageEntity } from '@switchyard/db';
import { EXAMPLE } from '../common/api-docs.js';
import { isoOrNull, MESSAGE_STATUS_SCHEMA, MESSAGE_STATUS_TEXT_SCHEMA, STATUS_TEXT } from '../common/svix-types.js';
import { EndpointOut, toEndpointOut } from '../endpoints/endpoint.mapper.js';
import { MessageOut, toMessageOut } from '../messages/message.mapper.js';

/** Svix `MessageAttemptOut`, as sent on the wire. */
export class MessageAttemptOut {
  @ApiProperty({ type: String, description: "The attempt's id", example: EXAMPLE.attemptId })
  id: string;

  @ApiProperty({ type: String, example: EXAMPLE.msgId })
  msgId: string;

  @ApiProperty({ type: String, example: EXAMPLE.endpointId })
  endpointId: string;

  @ApiProperty({ type: String, format: 'uri', description: 'The URL the attempt was sent to', example: 'https://example.com/webhook/' })
  url: string;

  @ApiProperty({ type: String, description: "The endpoint's response body (`{}` when `with_content=false`)", example: '{}' })
  response: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status of the response (0: no response)', example: 200 })
  responseStatusCode: number;

  @ApiProperty({ type: 'integer', description: 'How long the endpoint took to answer', example: 152 })
  responseDurationMs: number;

  @ApiProperty(MESSAGE_STATUS_SCHEMA)
  status: DeliveryStatus;

  @ApiProperty(MESSAGE_STATUS_TEXT_SCHEMA)
  statusText: string;

  @ApiProperty({ type: 'integer', enum: [0, 1], description: 'Svix `MessageAttemptTriggerType`: 0 scheduled, 1 manual (resend, recover)' })
  triggerType: number;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  timestamp: string;

  @ApiPropertyOptional({ type: () => MessageOut, nullable: true, description: 'The message, when listed with `with_msg=true`' })
  msg?: MessageOut | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Our extension: why no usable response arrived (`timeout`, `connection_refused`, `connection_reset`, `blocked_address`, `dns_error`, `dns_timeout`, `tls_error`, `unreachable`, `invalid_response`, `redirect`, `invalid_url`, `network_error`, `no_signing_secret`, `secret_unreadable`, `circuit_open`), or null',
    example: null,
  })
  error: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Our extension: the same in words, or a note on a response body that was cut short', example: null })
  errorDetail: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Our extension: the headers the attempt sent, as sent, with signatures and credential headers redacted (`[redacted]`); `{}` for an attempt that was not sent',
    example: { 'webhook-id': EXAMPLE.msgId, 'webhook-timestamp': '1735689600', 'webhook-signature': '[redacted]', 'content-type': 'application/json' },
  })
  requestHeaders: Record<string, string>;

  @ApiPropertyOptional({
    type: String,
    format: 'byte',
    description: 'Our extension, present only when the response body is not valid UTF-8: its exact bytes, base64 (`response` then shows them with U+FFFD for the invalid bytes)',
  })
  responseBase64?: string;
}

/** The response as Svix's `response` text: the body as received (NUL bytes and all), else why none arrived. */
function responseView(attempt: AttemptEntity): { response: string; responseBase64?: string } {
  const body = attempt.responseBody;
  if (body === null || body === undefined) {
    // Rows written before bodies were kept as bytes, and attempts that got no response.
    return { response: attempt.response || (attempt.responseStatusCode === 0 ? (attempt.errorDetail ?? attempt.error ?? '') : '') };
  }
  const text = body.toString('utf8');
  // A lossless round trip means the bytes were valid UTF-8; otherwise keep them exactly beside the readable text.
  return Buffer.byteLength(text, 'utf8') === body.length && Buffer.from(text, 'utf8').equals(body) ? { response: text } : { response: text, responseBase64: body.toString('base64') };
}

/** Maps an attempt row to Svix's `MessageAttemptOut`; without content the response body reads `{}` (Svix). */
export function toMessageAttemptOut(attempt: AttemptEntity, withContent: boolean, msg?: MessageOut | null): MessageAttemptOut {
  const out: MessageAttemptOut = {
    id: attempt.id,
    msgId: attempt.messageId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    ...(withContent ? responseView(attempt) : { response: '{}' }),
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    status: attempt.status,
    statusText: STATUS_TEXT[attempt.status],
    triggerType: attempt.triggerType,
    timestamp: attempt.createdAt.toISOString(),
    error: attempt.error,
    errorDetail: attempt.errorDetail ?? null,
    requestHeaders: attempt.requestHeaders ?? {},
  };
  if (msg !== undefined) out.msg = msg;
  return out;
}

/** Svix `EndpointMessageOut`: a message with its delivery state at one endpoint. */
export class EndpointMessageOut extends MessageOut {
  @ApiProperty(MESSAGE_STATUS_SCHEMA)
  status: DeliveryStatus;

  @ApiProperty(MESSAGE_STATUS_TEXT_SCHEMA)
  statusText: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next attempt is due (null: none scheduled)' })
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

/** Svix `MessageEndpointOut`: an endpoint (without its metadata) with the delivery state of one message to it. */
export class MessageEndpointOut extends OmitType(EndpointOut, ['metadata'] as const) {
  @ApiProperty(MESSAGE_STATUS_SCHEMA)
  status: DeliveryStatus;

  @ApiProperty(MESSAGE_STATUS_TEXT_SCHEMA)
  statusText: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next attempt is due (null: none scheduled)' })
  nextAttempt: string | null;
}

/** Maps a delivery (with its endpoint) to Svix's `MessageEndpointOut`. */
export function toMessageEndpointOut(delivery: DeliveryEntity & { endpoint: EndpointEntity }): MessageEndpointOut {
  const { metadata: _metadata, ...endpoint } = toEndpointOut(delivery.endpoint);
  return { ...endpoint, status: delivery.status, statusText: STATUS_TEXT[delivery.status], nextAttempt: isoOrNull(delivery.nextAttemptAt) };
}
