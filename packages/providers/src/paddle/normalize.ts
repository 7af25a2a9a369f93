import { eventTypeName, idField, stringField } from '@switchyard/events';
import { type Normalizer, rejected } from '../core/normalizer.js';

/** Paddle Billing: `paddle.{event_type}` (transaction.completed …), dedup on `notification_id`, else `event_id`. */
export const normalizePaddle: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Paddle payload must be JSON');
  const p = request.parsed.value;
  const type = stringField(p, 'event_type');
  const id = idField(p, 'notification_id') ?? idField(p, 'event_id');
  if (!type || !id) return rejected('Paddle event needs event_type and event_id');
  const occurred = stringField(p, 'occurred_at');
  const time = occurred ? new Date(occurred) : undefined;
  return {
    kind: 'event',
    event: {
      type: eventTypeName('paddle', type),
      providerEventId: id,
      dedupKey: id,
      subject: stringField(p, 'data', 'id'),
      time: time && !Number.isNaN(time.getTime()) ? time : undefined,
      datacontenttype: 'application/json',
      data: p,
    },
  };
};
