import { bodyDigestId, eventTypeName, idField, stringField } from '@switchyard/events';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

/** Intercom: `intercom.{topic}` (conversation.user.created …), dedup on the notification `id`. */
export const normalizeIntercom: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Intercom payload must be JSON');
  const p = request.parsed.value;
  const topic = stringField(p, 'topic');
  if (!topic) return rejected('Intercom payload has no topic');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('intercom', topic),
      providerEventId: idField(p, 'id') ?? bodyDigestId(request.body),
      dedupKey: idField(p, 'id') ?? signedDigestKey(request),
      subject: stringField(p, 'data', 'item', 'id'),
      datacontenttype: 'application/json',
      data: p,
    },
  };
};
