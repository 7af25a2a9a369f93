import { bodyDigestId, eventTypeName, numberField, stringField } from '@switchyard/events';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

/** Discord's interaction type numbers. */
const INTERACTION_TYPES: Readonly<Record<number, string>> = {
  2: 'application_command',
  3: 'message_component',
  4: 'application_command_autocomplete',
  5: 'modal_submit',
};

/**
 * Discord. Webhook events (`{version, type, event}`): PING (type 0) is answered 204, events
 * become `discord.{event.type}`. Interactions: PING (type 1) is answered `{"type":1}`, others
 * become `discord.{interaction type}`, deduplicated on the interaction id.
 */
export const normalizeDiscord: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Discord payload must be JSON');
  const p = request.parsed.value;
  const type = numberField(p, 'type');
  if (type === undefined) return rejected('Discord payload has no type');
  const isWebhookEvent = typeof p === 'object' && p !== null && Object.hasOwn(p, 'version') && !Object.hasOwn(p, 'token');
  if (isWebhookEvent) {
    if (type === 0) return { kind: 'handshake', response: { status: 204, contentType: 'text/plain', body: '' } };
    const name = stringField(p, 'event', 'type');
    if (!name) return rejected('Discord webhook event has no event.type');
    const timestamp = stringField(p, 'event', 'timestamp');
    const time = timestamp ? new Date(timestamp) : undefined;
    return {
      kind: 'event',
      event: {
        type: eventTypeName('discord', name),
        providerEventId: bodyDigestId(request.body),
        dedupKey: signedDigestKey(request),
        subject: stringField(p, 'application_id'),
        time: time && !Number.isNaN(time.getTime()) ? time : undefined,
        datacontenttype: 'application/json',
        data: p,
      },
    };
  }
  if (type === 1) return { kind: 'handshake', response: { status: 200, contentType: 'application/json', body: '{"type":1}' } };
  const id = stringField(p, 'id');
  if (!id) return rejected('Discord interaction has no id');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('discord', INTERACTION_TYPES[type] ?? `interaction_${type}`),
      providerEventId: id,
      dedupKey: id,
      subject: stringField(p, 'guild_id') ?? stringField(p, 'channel_id'),
      datacontenttype: 'application/json',
      data: p,
    },
  };
};
