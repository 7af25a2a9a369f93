import { eventTypeName, idField, stringField } from '@switchyard/events';
import { type Normalizer, rejected } from '../core/normalizer.js';

/** Square: `square.{type}` (payment.updated …), dedup on `event_id`. */
export const normalizeSquare: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Square payload must be JSON');
  const p = request.parsed.value;
  const type = stringField(p, 'type');
  const id = idField(p, 'event_id');
  if (!type || !id) return rejected('Square event needs type and event_id');
  const created = stringField(p, 'created_at');
  const time = created ? new Date(created) : undefined;
  return {
    kind: 'event',
    event: {
      type: eventTypeName('square', type),
      providerEventId: id,
      dedupKey: id,
      subject: stringField(p, 'data', 'id'),
      time: time && !Number.isNaN(time.getTime()) ? time : undefined,
      datacontenttype: 'application/json',
      data: p,
    },
  };
};
