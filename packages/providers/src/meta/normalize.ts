import { bodyDigestId, eventTypeName, stringField } from '@switchyard/events';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';
import { requestTarget } from '../shared/request-target.js';

/**
 * Meta: the verified GET subscription handshake echoes `hub.challenge`; a POST becomes
 * `meta.{object}[.{field of the first change}]` (page, instagram, whatsapp_business_account, …).
 * Meta sends no delivery id, so a byte-identical redelivery is caught by the body digest.
 */
export const normalizeMeta: Normalizer = (request) => {
  const { method, query } = requestTarget(request);
  if (method === 'GET') {
    const challenge = query.get('hub.challenge');
    if (challenge === null) return rejected('hub.challenge is missing');
    return { kind: 'handshake', response: { status: 200, contentType: 'text/plain; charset=utf-8', body: challenge } };
  }
  if (request.parsed.kind !== 'json') return rejected('Meta payload must be JSON');
  const payload = request.parsed.value;
  const object = stringField(payload, 'object');
  if (!object) return rejected('Meta payload has no object');
  const entries = (payload as { entry?: unknown }).entry;
  const first = Array.isArray(entries) ? entries[0] : undefined;
  const changes = (first as { changes?: unknown } | undefined)?.changes;
  const field = Array.isArray(changes) ? stringField(changes[0], 'field') : undefined;
  return {
    kind: 'event',
    event: {
      type: eventTypeName('meta', object, field),
      providerEventId: bodyDigestId(request.body),
      dedupKey: signedDigestKey(request),
      subject: stringField(first, 'id'),
      datacontenttype: 'application/json',
      data: payload,
    },
  };
};
