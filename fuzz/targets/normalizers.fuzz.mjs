// Every normalizer (packages/providers src/*/normalize.ts) on arbitrary verified requests: raw bytes, or JSON
// and forms built from the field names normalizers read, under any content type, with the
// headers they read. Invariants: a normalizer never throws (its documented contract) and answers
// an event, a handshake or a rejection; an event's type is a valid Svix name of at most 256
// characters under the source type, its provider id a non-empty string, its time a real date, and
// the CloudEvent built from it serializes to JSON; a handshake has an HTTP status and a string body.
import { buildCloudEvent, isValidEventTypeName, parseBody } from '@switchyard/events';
import { NORMALIZERS } from '@switchyard/providers';
import { ByteReader, ensure } from '../lib/input.mjs';
import { CONTENT_TYPES } from './body-parsers.fuzz.mjs';

const TYPES = [...NORMALIZERS.keys()];
export const KEYS = [
  'type',
  'id',
  'event',
  'action',
  'object_kind',
  'event_name',
  'object_attributes',
  'event_type',
  'event_id',
  'notification_id',
  'occurred_at',
  'created',
  'data',
  'object',
  'payload',
  'plainToken',
  'event_ts',
  'uuid',
  'challenge',
  'token',
  'version',
  'application_id',
  'timestamp',
  'entry',
  'changes',
  'field',
  'topic',
  'repository',
  'full_name',
  'organization',
  'login',
  'subscriptionType',
  'eventId',
  'portalId',
  'sg_event_id',
  'webhookId',
  'webhookTimestamp',
  'created_at',
  'form_response',
  'form_id',
  'team_id',
  'event_time',
  'trigger_id',
  'command',
  'MessageStatus',
  'SmsStatus',
  'CallStatus',
  'MessageSid',
  'item',
  'guild_id',
  'channel_id',
  'project',
  'path_with_namespace',
  '__proto__',
];
const WORDS = [
  'url_verification',
  'event_callback',
  'endpoint.url_validation',
  'push',
  'opened',
  'a.b',
  'orders/create',
  'x:y',
  '',
  ' ',
  '1',
  '0',
  '2',
  '1700000000',
  '2024-01-01T00:00:00Z',
  '_'.repeat(300),
];
const HEADERS = [
  'x-github-event',
  'x-github-delivery',
  'x-github-hook-id',
  'x-shopify-topic',
  'shopify-topic',
  'x-shopify-event-id',
  'x-shopify-webhook-id',
  'x-shopify-triggered-at',
  'x-shopify-shop-domain',
  'svix-id',
  'svix-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'idempotency-key',
  'x-gitlab-event',
  'x-gitlab-event-uuid',
  'i-twilio-idempotency-token',
  'linear-delivery',
  'x-event-key',
  'x-request-uuid',
  'x-request-id',
  'x-webhook-id',
  'x-event-type',
  'x-event-id',
];

function jsonValue(r, depth) {
  switch (depth > 4 ? r.int(4) : r.int(7)) {
    case 0:
      return r.pick(WORDS);
    case 1:
      return r.utf8(24);
    case 2:
      return r.pick([0, 1, 2, -1, 1.5, 1e21, 1_700_000_000, 1_700_000_000_000]);
    case 3:
      return r.pick([null, true, false]);
    case 4:
    case 5: {
      const object = {};
      for (let n = r.int(6); n > 0; n--) Object.defineProperty(object, r.pick(KEYS), { value: jsonValue(r, depth + 1), enumerable: true, writable: true, configurable: true });
      return object;
    }
    default: {
      const list = [];
      for (let n = r.int(4); n > 0; n--) list.push(jsonValue(r, depth + 1));
      return list;
    }
  }
}

function bodyOf(r, mode) {
  if (mode === 0) return r.rest();
  if (mode === 1) return Buffer.from(JSON.stringify(jsonValue(r, 0)) ?? 'null');
  const form = new URLSearchParams();
  for (let n = r.int(6); n > 0; n--) form.append(r.pick(KEYS), r.int(3) === 0 ? (JSON.stringify(jsonValue(r, 1)) ?? '') : r.pick(WORDS));
  return Buffer.from(form.toString());
}

export function fuzz(data) {
  const r = new ByteReader(data);
  const sourceType = r.pick(TYPES);
  const contentType = r.int(6) === 0 ? r.latin1(40) : r.pick(CONTENT_TYPES);
  const method = r.pick(['POST', 'POST', 'GET']);
  const headers = {};
  for (let n = r.int(6); n > 0; n--) headers[r.pick(HEADERS)] = r.int(4) === 0 ? r.latin1(64) : r.pick(WORDS);
  const query = r.bool() ? `?hub.challenge=${encodeURIComponent(r.utf8(16))}&${r.latin1(32)}` : '';
  const config = r.pick([{}, { secret: 'zoom-secret' }, { eventTypeHeader: 'x-event-type', eventIdHeader: 'x-event-id' }, undefined, { secret: ['a', 'b'] }]);
  const mode = r.int(3);
  const body = bodyOf(r, mode);
  const context = { sourceType, contentType, method, headers, query, mode, body: Buffer.from(body).toString('utf8').slice(0, 400) };

  const outcome = NORMALIZERS.get(sourceType)({
    sourceType,
    body,
    headers,
    contentType,
    parsed: parseBody(body, contentType),
    config,
    method,
    url: `https://x.test/in/t${query}`,
  });
  switch (outcome?.kind) {
    case 'event': {
      const e = outcome.event;
      ensure(typeof e.type === 'string' && e.type.startsWith(`${sourceType}.`) && isValidEventTypeName(e.type), 'event type is not a valid name under the source', { ...context, type: e.type });
      ensure(typeof e.providerEventId === 'string' && e.providerEventId.trim().length > 0, 'no provider event id', { ...context, id: e.providerEventId });
      ensure(e.time === undefined || (e.time instanceof Date && !Number.isNaN(e.time.getTime())), 'event time is not a date', context);
      ensure(typeof e.datacontenttype === 'string' && e.datacontenttype.length > 0, 'no datacontenttype', context);
      const event = buildCloudEvent({ id: 'evt_1', sourceId: 'src_1', provider: sourceType, ...e });
      const json = JSON.stringify(event);
      ensure(typeof json === 'string' && JSON.parse(json).type === e.type, 'the CloudEvent does not serialize', context);
      break;
    }
    case 'handshake':
      ensure(Number.isInteger(outcome.response.status) && outcome.response.status >= 200 && outcome.response.status < 300, 'handshake status', { ...context, outcome });
      ensure(typeof outcome.response.body === 'string' && typeof outcome.response.contentType === 'string', 'handshake body', { ...context, outcome });
      break;
    case 'rejected':
      ensure(typeof outcome.reason === 'string' && outcome.reason.length > 0, 'rejection without a reason', context);
      break;
    default:
      ensure(false, 'unknown outcome', { ...context, outcome });
  }
}
