import { createHmac } from 'node:crypto';
import { bodyDigestId, eventTypeName, numberField, stringField } from '@switchyard/events';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';
import { firstSecret } from '../shared/request-target.js';

/**
 * Zoom: `zoom.{event}`. The signed `endpoint.url_validation` challenge is answered with
 * `{plainToken, encryptedToken: hex HMAC-SHA256(secret token, plainToken)}`. Zoom sends no
 * delivery id: event, event_ts and the object's uuid/id identify a delivery.
 */
export const normalizeZoom: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('Zoom payload must be JSON');
  const payload = request.parsed.value;
  const event = stringField(payload, 'event');
  if (!event) return rejected('Zoom payload has no event');
  if (event === 'endpoint.url_validation') {
    const plainToken = stringField(payload, 'payload', 'plainToken');
    const secret = firstSecret(request.config);
    if (!plainToken) return rejected('url_validation without plainToken');
    if (!secret) return rejected('no secret token configured');
    const encryptedToken = createHmac('sha256', secret).update(plainToken).digest('hex');
    return { kind: 'handshake', response: { status: 200, contentType: 'application/json', body: JSON.stringify({ plainToken, encryptedToken }) } };
  }
  const eventTs = numberField(payload, 'event_ts');
  const objectId = stringField(payload, 'payload', 'object', 'uuid') ?? stringField(payload, 'payload', 'object', 'id');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('zoom', event),
      providerEventId: eventTs !== undefined && objectId ? `${event}:${eventTs}:${objectId}` : bodyDigestId(request.body),
      dedupKey: eventTs !== undefined && objectId ? `${event}:${eventTs}:${objectId}` : signedDigestKey(request),
      subject: objectId,
      time: eventTs !== undefined && eventTs > 0 && eventTs < 1e14 ? new Date(eventTs) : undefined,
      datacontenttype: 'application/json',
      data: payload,
    },
  };
};
