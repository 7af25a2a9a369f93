import { eventTypeName, numberField, stringField } from '@switchyard/events';
import { type Normalizer, rejected, unixSecondsToDate } from '../core/normalizer.js';

/** Stripe: `stripe.{event.type}`, deduplicated on the event id (`evt_…`). */
export const normalizeStripe: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Stripe payload must be JSON');
  const payload = request.parsed.value;
  const type = stringField(payload, 'type');
  const id = stringField(payload, 'id');
  if (!type || !id) return rejected('Stripe event needs id and type');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('stripe', type),
      providerEventId: id,
      dedupKey: id,
      subject: stringField(payload, 'data', 'object', 'id'),
      time: unixSecondsToDate(numberField(payload, 'created')),
      datacontenttype: 'application/json',
      data: payload,
    },
  };
};
