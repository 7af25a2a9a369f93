import { optionalHeader } from '@switchyard/signing';
import { bodyDigestId, idField, stringField } from '../body.js';
import { eventTypeName } from '../event-types.js';
import { normalizeBatch } from './batch.js';
import { rejected, signedDigestKey, type Normalizer } from './normalizer.js';

/** HubSpot: a JSON array of events; `hubspot.{subscriptionType}` (contact.creation …), dedup on `eventId`. */
export const normalizeHubspot: Normalizer = (request) => normalizeBatch(request, { typeField: 'subscriptionType', idField: 'eventId', subjectField: 'portalId' });

/** SendGrid: a JSON array of events; `sendgrid.{event}` (delivered, open …), dedup on `sg_event_id`. */
export const normalizeSendgrid: Normalizer = (request) => normalizeBatch(request, { typeField: 'event', idField: 'sg_event_id' });

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

/**
 * Bitbucket: `bitbucket.{X-Event-Key with : as .}` (repo.push …). Bitbucket signs the body alone:
 * X-Event-Key, X-Request-UUID (Cloud), X-Request-Id (Data Center) and X-Hook-UUID are not signed.
 * The request id is shown; the dedup key is the digest of the signed body, so a replay under a
 * fresh request id or another event key is a duplicate. The body does not name its event, so the
 * type stays the header's.
 */
export const normalizeBitbucket: Normalizer = (request) => {
  const key = optionalHeader(request.headers, 'x-event-key');
  if (!key) return rejected('missing X-Event-Key header');
  if (request.parsed.kind !== 'json') return rejected('Bitbucket payload must be JSON');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('bitbucket', key.replace(/:/g, '.')),
      providerEventId: optionalHeader(request.headers, 'x-request-uuid') ?? optionalHeader(request.headers, 'x-request-id') ?? bodyDigestId(request.body),
      dedupKey: signedDigestKey(request),
      subject: stringField(request.parsed.value, 'repository', 'full_name'),
      datacontenttype: 'application/json',
      data: request.parsed.value,
    },
  };
};

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
