import { bodyDigestId, eventTypeName, idField, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

function field(form: Record<string, string | string[]>, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Twilio: form posts become `twilio.message.{MessageStatus|SmsStatus}` or
 * `twilio.call.{CallStatus}`; JSON bodies `twilio.{type}`. `I-Twilio-Idempotency-Token` is
 * shown but not signed, so the dedup key is the digest of the signed string (the URL and the
 * sorted parameters), or a JSON body's own `id` (signed through bodySHA256).
 */
export const normalizeTwilio: Normalizer = (request) => {
  const id = optionalHeader(request.headers, 'i-twilio-idempotency-token') ?? bodyDigestId(request.body);
  const dedupKey = signedDigestKey(request);
  const parsed = request.parsed;
  if (parsed.kind === 'form') {
    const form = parsed.value;
    const messageStatus = field(form, 'MessageStatus') ?? field(form, 'SmsStatus');
    const callStatus = field(form, 'CallStatus');
    const type = messageStatus ? eventTypeName('twilio', 'message', messageStatus) : callStatus ? eventTypeName('twilio', 'call', callStatus) : eventTypeName('twilio', 'event');
    return {
      kind: 'event',
      event: {
        type,
        providerEventId: id,
        dedupKey,
        subject: field(form, 'MessageSid') ?? field(form, 'SmsSid') ?? field(form, 'CallSid') ?? field(form, 'AccountSid'),
        datacontenttype: 'application/json',
        data: { ...form },
      },
    };
  }
  if (parsed.kind === 'json') {
    return {
      kind: 'event',
      event: {
        type: eventTypeName('twilio', stringField(parsed.value, 'type') ?? 'event'),
        providerEventId: idField(parsed.value, 'id') ?? id,
        dedupKey: idField(parsed.value, 'id') ?? dedupKey,
        datacontenttype: 'application/json',
        data: parsed.value,
      },
    };
  }
  return rejected('Twilio payload must be a form or JSON');
};
