import { eventTypeName, parseUnixSeconds, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedHeader, unixSecondsToDate } from '../core/normalizer.js';

/**
 * Svix-signed providers (svix, clerk, resend, …) and Standard Webhooks: `{source type}.{payload.type}`,
 * deduplicated on the message id. Both header spellings sign `{id}.{timestamp}.{body}`, but only
 * the family that was verified counts (`svix-*` when `svix-signature` came, else `webhook-*`):
 * an extra unsigned `svix-id` beside a `webhook-*` delivery must not make a replay new, nor an
 * unsigned `svix-timestamp` move its time.
 */
export const normalizeSvix: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('payload must be JSON');
  // The verifier reports only the family it verified, so of the signed headers at most one id is there.
  const id = request.verified
    ? (signedHeader(request, 'svix-id') ?? signedHeader(request, 'webhook-id'))
    : (optionalHeader(request.headers, 'svix-id') ?? optionalHeader(request.headers, 'webhook-id'));
  if (!id) return rejected(request.verified ? 'no signed message id' : 'missing svix-id header');
  const type = stringField(request.parsed.value, 'type');
  const timestampText = optionalHeader(request.headers, 'svix-timestamp') ?? optionalHeader(request.headers, 'webhook-timestamp');
  const timestamp = request.verified ? request.verified.timestamp : timestampText === undefined ? undefined : parseUnixSeconds(timestampText);
  return {
    kind: 'event',
    event: {
      type: eventTypeName(request.sourceType, type ?? 'event'),
      providerEventId: id,
      dedupKey: id,
      subject: stringField(request.parsed.value, 'data', 'id'),
      time: unixSecondsToDate(timestamp),
      datacontenttype: 'application/json',
      data: request.parsed.value,
    },
  };
};
