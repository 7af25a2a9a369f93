import { eventTypeName, idField, stringField } from '@switchyard/events';
import { type Normalizer, rejected } from '../core/normalizer.js';

/** Typeform: `typeform.{event_type}` (form_response), dedup on `event_id`. */
export const normalizeTypeform: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Typeform payload must be JSON');
  const p = request.parsed.value;
  const type = stringField(p, 'event_type');
  const id = idField(p, 'event_id');
  if (!type || !id) return rejected('Typeform event needs event_type and event_id');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('typeform', type),
      providerEventId: id,
      dedupKey: id,
      subject: stringField(p, 'form_response', 'form_id'),
      datacontenttype: 'application/json',
      data: p,
    },
  };
};
