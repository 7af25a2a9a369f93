import { bodyDigestId, eventTypeName, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

/**
 * Linear: `linear.{type}.{action}` (Issue.create …). `Linear-Delivery` is shown but not signed;
 * the dedup key is the digest of the signed body without its `webhookTimestamp` (a retry carries
 * a fresh one), so a replay under a fresh Linear-Delivery is a duplicate and so is a retry.
 */
export const normalizeLinear: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Linear payload must be JSON');
  const p = request.parsed.value;
  const type = stringField(p, 'type');
  if (!type) return rejected('Linear payload has no type');
  const webhookId = stringField(p, 'webhookId');
  const ts = stringField(p, 'webhookTimestamp');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('linear', type, stringField(p, 'action')),
      providerEventId: optionalHeader(request.headers, 'linear-delivery') ?? (webhookId && ts ? `${webhookId}:${ts}` : bodyDigestId(request.body)),
      dedupKey: signedDigestKey(request),
      subject: stringField(p, 'data', 'id'),
      time: ts && Number(ts) > 0 ? new Date(Number(ts)) : undefined,
      datacontenttype: 'application/json',
      data: p,
    },
  };
};
