// The catalog's normalizers: event type names (docs/api.md §6), dedup ids, subjects, handshakes,
// and refusals of payloads a provider would never send.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { VERIFIERS } from './sut.js';
import { NORMALIZERS, normalizerFor, parseBody, type InboundRequest, type NormalizedEvent, type NormalizeOutcome } from './sut.js';

type Headers = Record<string, string>;

function inbound(sourceType: string, body: string, headers: Headers = {}, extra: Partial<InboundRequest> = {}): InboundRequest {
  const bytes = new TextEncoder().encode(body);
  const contentType = headers['content-type'] ?? 'application/json';
  return { sourceType, body: bytes, headers, contentType, parsed: parseBody(bytes, contentType), ...extra };
}

function normalize(request: InboundRequest): NormalizeOutcome {
  return normalizerFor(request.sourceType)!(request);
}

function eventOf(outcome: NormalizeOutcome): NormalizedEvent {
  if (outcome.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

const digest = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

describe('every verifier has a normalizer and back', () => {
  it('the registries name the same types', () => {
    expect([...NORMALIZERS.keys()].sort()).toEqual([...VERIFIERS.keys()].sort());
  });
});

describe.each([
  ['gitlab', '{"object_kind":"push","project":{"path_with_namespace":"g/app"}}', { 'idempotency-key': 'idem-1' }, { type: 'gitlab.push', providerEventId: 'idem-1', subject: 'g/app' }],
  ['gitlab', '{"object_kind":"merge_request","object_attributes":{"action":"open"}}', { 'x-gitlab-event-uuid': 'u-1' }, { type: 'gitlab.merge_request.open', providerEventId: 'u-1' }],
  ['hubspot', '[{"eventId":1,"subscriptionType":"contact.creation","portalId":5}]', {}, { type: 'hubspot.contact.creation', providerEventId: '1', subject: '5' }],
  [
    'linear',
    '{"type":"Issue","action":"update","webhookId":"w","webhookTimestamp":1700000000000,"data":{"id":"i1"}}',
    { 'linear-delivery': 'd-1' },
    { type: 'linear.Issue.update', providerEventId: 'd-1', subject: 'i1', time: new Date(1700000000000) },
  ],
  ['linear', '{"type":"Issue","action":"remove","webhookId":"w","webhookTimestamp":1700000000000}', {}, { type: 'linear.Issue.remove', providerEventId: 'w:1700000000000' }],
  [
    'paddle',
    '{"event_id":"evt_1","notification_id":"ntf_1","event_type":"subscription.created","occurred_at":"2024-01-01T00:00:00Z","data":{"id":"sub_1"}}',
    {},
    { type: 'paddle.subscription.created', providerEventId: 'ntf_1', subject: 'sub_1' },
  ],
  ['square', '{"type":"payment.updated","event_id":"e1","created_at":"2024-01-01T00:00:00Z","data":{"id":"p1"}}', {}, { type: 'square.payment.updated', providerEventId: 'e1', subject: 'p1' }],
  ['intercom', '{"id":"notif_1","topic":"conversation.user.created","data":{"item":{"id":"c1"}}}', {}, { type: 'intercom.conversation.user.created', providerEventId: 'notif_1', subject: 'c1' }],
  [
    'bitbucket',
    '{"repository":{"full_name":"t/r"}}',
    { 'x-event-key': 'pullrequest:created', 'x-request-uuid': 'r-1' },
    { type: 'bitbucket.pullrequest.created', providerEventId: 'r-1', subject: 't/r' },
  ],
  [
    'pagerduty',
    '{"event":{"id":"01E","event_type":"incident.triggered","data":{"id":"P1"}}}',
    { 'x-webhook-id': 'w-1' },
    { type: 'pagerduty.incident.triggered', providerEventId: '01E', subject: 'P1' },
  ],
  ['typeform', '{"event_id":"01T","event_type":"form_response","form_response":{"form_id":"F"}}', {}, { type: 'typeform.form_response', providerEventId: '01T', subject: 'F' }],
  [
    'zoom',
    '{"event":"meeting.ended","event_ts":1700000000000,"payload":{"object":{"uuid":"u=="}}}',
    {},
    { type: 'zoom.meeting.ended', providerEventId: 'meeting.ended:1700000000000:u==', subject: 'u==' },
  ],
  ['meta', '{"object":"whatsapp_business_account","entry":[{"id":"E1","changes":[{"field":"messages","value":{}}]}]}', {}, { type: 'meta.whatsapp_business_account.messages', subject: 'E1' }],
  ['discord', '{"id":"123","type":3,"token":"t","version":1,"guild_id":"G"}', {}, { type: 'discord.message_component', providerEventId: '123', subject: 'G' }],
  ['replicate', '{"type":"prediction.completed","data":{"id":"p"}}', { 'svix-id': 'msg_1', 'svix-timestamp': '1700000000' }, { type: 'replicate.prediction.completed', providerEventId: 'msg_1' }],
  ['generic-webhook', '{"type":"order.shipped","id":"o1"}', {}, { type: 'generic-webhook.order.shipped', providerEventId: 'o1' }],
] as const)('%s %s', (type, body, headers, expected) => {
  it(`becomes ${expected.type}`, () => {
    expect(eventOf(normalize(inbound(type, body, headers as Headers)))).toMatchObject(expected);
  });
});

describe('twilio', () => {
  it('form posts: message and call statuses, idempotency token as dedup id', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'i-twilio-idempotency-token': 'tok-1' };
    expect(eventOf(normalize(inbound('twilio', 'MessageSid=SM1&MessageStatus=delivered', form)))).toMatchObject({
      type: 'twilio.message.delivered',
      providerEventId: 'tok-1',
      subject: 'SM1',
      data: { MessageSid: 'SM1' },
    });
    expect(eventOf(normalize(inbound('twilio', 'CallSid=CA1&CallStatus=completed', { 'content-type': 'application/x-www-form-urlencoded' })))).toMatchObject({
      type: 'twilio.call.completed',
      providerEventId: digest('CallSid=CA1&CallStatus=completed'),
    });
    expect(eventOf(normalize(inbound('twilio', 'SmsSid=SM2&SmsStatus=received', { 'content-type': 'application/x-www-form-urlencoded' }))).type).toBe('twilio.message.received');
  });
});

describe('meta and digests', () => {
  it('Meta has no delivery id: the same bytes are the same event', () => {
    const body = '{"object":"page","entry":[]}';
    expect(eventOf(normalize(inbound('meta', body))).providerEventId).toBe(digest(body));
  });
});

describe('batches', () => {
  it('events of one kind keep the kind; mixed batches are `batch`, deduplicated on their ids together', () => {
    const one = eventOf(normalize(inbound('sendgrid', '[{"event":"open","sg_event_id":"a"},{"event":"open","sg_event_id":"b"}]\r\n')));
    expect(one.type).toBe('sendgrid.open');
    expect(one.providerEventId).toMatch(/^batch:[0-9a-f]{64}$/);
    const mixed = eventOf(normalize(inbound('sendgrid', '[{"event":"open","sg_event_id":"a"},{"event":"click","sg_event_id":"b"}]')));
    expect(mixed.type).toBe('sendgrid.batch');
    expect(mixed.providerEventId).toBe(one.providerEventId);
  });
  it('refuses empty batches and events without ids', () => {
    expect(normalize(inbound('hubspot', '[]')).kind).toBe('rejected');
    expect(normalize(inbound('hubspot', '[{"subscriptionType":"x"}]')).kind).toBe('rejected');
    expect(normalize(inbound('sendgrid', '{"event":"open"}')).kind).toBe('rejected');
  });
});

describe('handshakes', () => {
  it('zoom endpoint.url_validation: encryptedToken is hex HMAC-SHA256(secret token, plainToken)', () => {
    const outcome = normalize(inbound('zoom', '{"event":"endpoint.url_validation","payload":{"plainToken":"abc"}}', {}, { config: { secret: 'tok' } }));
    expect(outcome).toEqual({
      kind: 'handshake',
      response: { status: 200, contentType: 'application/json', body: JSON.stringify({ plainToken: 'abc', encryptedToken: createHmac('sha256', 'tok').update('abc').digest('hex') }) },
    });
    expect(normalize(inbound('zoom', '{"event":"endpoint.url_validation","payload":{}}', {}, { config: { secret: 'tok' } })).kind).toBe('rejected');
  });

  it('meta GET echoes hub.challenge as text', () => {
    const outcome = normalize(inbound('meta', '', {}, { method: 'GET', url: 'https://h.test/in/x?hub.mode=subscribe&hub.challenge=42&hub.verify_token=v' }));
    expect(outcome).toEqual({ kind: 'handshake', response: { status: 200, contentType: 'text/plain; charset=utf-8', body: '42' } });
  });

  it('discord: interactions PING → {"type":1}; webhook-events PING → 204; events by event.type', () => {
    expect(normalize(inbound('discord', '{"id":"1","type":1,"token":"t","version":1}'))).toMatchObject({ kind: 'handshake', response: { status: 200, body: '{"type":1}' } });
    expect(normalize(inbound('discord', '{"version":1,"application_id":"A","type":0}'))).toMatchObject({ kind: 'handshake', response: { status: 204 } });
    expect(eventOf(normalize(inbound('discord', '{"version":1,"application_id":"A","type":1,"event":{"type":"ENTITLEMENT_CREATE"}}'))).type).toBe('discord.ENTITLEMENT_CREATE');
  });
});

describe('refusals', () => {
  it.each([
    ['gitlab', '{}'],
    ['linear', '{"action":"create"}'],
    ['paddle', '{"event_type":"x"}'],
    ['square', '{"type":"x"}'],
    ['intercom', '{"id":"n"}'],
    ['bitbucket', '{}'],
    ['pagerduty', '{"event":{}}'],
    ['typeform', '{"event_type":"form_response"}'],
    ['zoom', '{"payload":{}}'],
    ['meta', '{"entry":[]}'],
    ['discord', '{"id":"1"}'],
    ['twilio', 'not a form or json'],
  ])('%s refuses %s', (type, body) => {
    const headers: Headers = type === 'twilio' ? { 'content-type': 'text/plain' } : {};
    expect(normalize(inbound(type, body, headers)).kind).toBe('rejected');
  });
});
