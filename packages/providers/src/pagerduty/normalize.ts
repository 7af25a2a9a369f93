import { bodyDigestId, eventTypeName, idField, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

/** PagerDuty v3: `pagerduty.{event.event_type}` (incident.triggered …), dedup on the signed `event.id` (X-Webhook-Id is unsigned: shown only). */
export const normalizePagerduty: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('PagerDuty payload must be JSON');
  const p = request.parsed.value;
  const type = stringField(p, 'event', 'event_type');
  if (!type) return rejected('PagerDuty payload has no event.event_type');
  const occurred = stringField(p, 'event', 'occurred_at');
  const time = occurred ? new Date(occurred) : undefined;
  return {
    kind: 'event',
    event: {
      type: eventTypeName('pagerduty', type),
      providerEventId: idField(p, 'event', 'id') ?? optionalHeader(request.headers, 'x-webhook-id') ?? bodyDigestId(request.body),
      dedupKey: idField(p, 'event', 'id') ?? signedDigestKey(request),
      subject: stringField(p, 'event', 'data', 'id'),
      time: time && !Number.isNaN(time.getTime()) ? time : undefined,
      datacontenttype: 'application/json',
      data: p,
    },
  };
};
