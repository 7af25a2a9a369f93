import { bodyDigestId, eventTypeName, idField, numberField, parseJson, stringField } from '@switchyard/events';
import { type Normalizer, rejected, signedDigestKey, unixSecondsToDate } from '../core/normalizer.js';

/**
 * Slack: Events API callbacks become `slack.{event.type}` (dedup on `event_id`); the signed
 * `url_verification` handshake is answered with its challenge; slash commands and interactive
 * payloads (form-encoded) become `slack.slash_command` and `slack.{payload.type}`.
 */
export const normalizeSlack: Normalizer = (request) => {
  const parsed = request.parsed;
  if (parsed.kind === 'json') {
    const payload = parsed.value;
    const type = stringField(payload, 'type');
    if (type === 'url_verification') {
      const challenge = stringField(payload, 'challenge');
      if (!challenge) return rejected('url_verification without challenge');
      return { kind: 'handshake', response: { status: 200, contentType: 'application/json', body: JSON.stringify({ challenge }) } };
    }
    if (!type) return rejected('Slack payload has no type');
    const eventType = type === 'event_callback' ? stringField(payload, 'event', 'type') : type;
    return {
      kind: 'event',
      event: {
        type: eventTypeName('slack', eventType ?? type),
        providerEventId: idField(payload, 'event_id') ?? bodyDigestId(request.body),
        dedupKey: idField(payload, 'event_id') ?? signedDigestKey(request),
        subject: stringField(payload, 'team_id'),
        time: unixSecondsToDate(numberField(payload, 'event_time')),
        datacontenttype: 'application/json',
        data: payload,
      },
    };
  }
  if (parsed.kind === 'form') {
    const form = parsed.value;
    if (typeof form.payload === 'string') {
      const inner = parseJson(form.payload);
      if (!inner.ok) return rejected(inner.reason);
      return {
        kind: 'event',
        event: {
          type: eventTypeName('slack', stringField(inner.value, 'type') ?? 'interaction'),
          providerEventId: idField(inner.value, 'trigger_id') ?? bodyDigestId(request.body),
          dedupKey: idField(inner.value, 'trigger_id') ?? signedDigestKey(request),
          subject: stringField(inner.value, 'team', 'id'),
          datacontenttype: 'application/json',
          data: inner.value,
        },
      };
    }
    if (typeof form.command === 'string') {
      return {
        kind: 'event',
        event: {
          type: 'slack.slash_command',
          providerEventId: (typeof form.trigger_id === 'string' && form.trigger_id.trim() !== '' ? form.trigger_id : undefined) ?? bodyDigestId(request.body),
          dedupKey: (typeof form.trigger_id === 'string' && form.trigger_id.trim() !== '' ? form.trigger_id : undefined) ?? signedDigestKey(request),
          subject: typeof form.team_id === 'string' ? form.team_id : undefined,
          datacontenttype: 'application/json',
          data: form,
        },
      };
    }
  }
  return rejected('unrecognized Slack payload');
};
