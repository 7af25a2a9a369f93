// Property tests (fast-check): the body parsers take any bytes under any content type, and every
// normalizer takes any JSON, form or bytes with any of the headers it reads, without throwing and
// with a well-formed answer. Sized for a 2-core CI: a few hundred runs per property.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { NORMALIZERS, buildCloudEvent, isValidEventTypeName, parseBody, type InboundRequest, type NormalizeOutcome } from './sut.js';

const CONTENT_TYPES = [
  undefined,
  '',
  ' ',
  'application/json',
  'application/json; charset=utf-8',
  'application/cloudevents+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'text/xml',
  'application/xml',
  'application/octet-stream',
  'image/png',
];
const contentType = fc.oneof(fc.constantFrom(...CONTENT_TYPES), fc.string({ maxLength: 40 }));
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 1024 }),
  fc.string({ maxLength: 512 }).map((s) => new TextEncoder().encode(s)),
);

/** Field names the normalizers read, so generated JSON reaches past the first checks. */
const KEYS = [
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
  'version',
  'token',
  'entry',
  'changes',
  'field',
  'topic',
  'repository',
  'full_name',
  'subscriptionType',
  'eventId',
  'sg_event_id',
  'webhookId',
  'webhookTimestamp',
  'created_at',
  'team_id',
  'event_time',
  'trigger_id',
  'command',
  'MessageStatus',
  'CallStatus',
  '__proto__',
];
const leaf = fc.oneof(
  fc.constantFrom('url_verification', 'event_callback', 'endpoint.url_validation', 'push', 'a.b', 'orders/create', '', ' ', '.', '1', '0', '1700000000'),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), tie('array')),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('tree'), { maxKeys: 6 }),
  array: fc.array(tie('tree'), { maxLength: 4 }),
}));
const jsonBody = tree.map((v) => new TextEncoder().encode(JSON.stringify(v) ?? 'null'));
const formBody = fc
  .array(
    fc.tuple(
      fc.constantFrom(...KEYS),
      fc.oneof(
        leaf.map(String),
        tree.map((v) => JSON.stringify(v) ?? ''),
      ),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => new TextEncoder().encode(new URLSearchParams(pairs).toString()));
const HEADERS = [
  'x-github-event',
  'x-github-delivery',
  'x-github-hook-id',
  'x-shopify-topic',
  'x-shopify-event-id',
  'x-shopify-triggered-at',
  'svix-id',
  'svix-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'idempotency-key',
  'x-gitlab-event',
  'i-twilio-idempotency-token',
  'linear-delivery',
  'x-event-key',
  'x-request-uuid',
  'x-webhook-id',
  'x-event-type',
  'x-event-id',
];
const headers = fc.dictionary(fc.constantFrom(...HEADERS), fc.oneof(fc.constantFrom('', ' ', 'push', 'a:b', 'orders/create', 'id-1', '1700000000'), fc.string({ maxLength: 40 })), { maxKeys: 5 });

function checkOutcome(sourceType: string, outcome: NormalizeOutcome): void {
  switch (outcome.kind) {
    case 'event': {
      const e = outcome.event;
      expect(e.type.startsWith(`${sourceType}.`) && isValidEventTypeName(e.type)).toBe(true);
      expect(e.providerEventId.trim()).not.toBe('');
      expect(e.datacontenttype.trim()).not.toBe('');
      if (e.time !== undefined) expect(Number.isNaN(e.time.getTime())).toBe(false);
      expect(() => JSON.stringify(buildCloudEvent({ id: 'evt_1', sourceId: 'src_1', provider: sourceType, ...e }))).not.toThrow();
      break;
    }
    case 'handshake':
      expect(outcome.response.status >= 200 && outcome.response.status < 300 && typeof outcome.response.body === 'string').toBe(true);
      break;
    case 'rejected':
      expect(outcome.reason).not.toBe('');
      break;
    default:
      throw new Error(`unknown outcome ${JSON.stringify(outcome)}`);
  }
}

describe('normalizers (properties)', () => {
  const types = [...NORMALIZERS.keys()];
  const request = fc.record({
    sourceType: fc.constantFrom(...types),
    body: fc.oneof(jsonBody, jsonBody, formBody, bytes),
    contentType,
    headers,
    method: fc.constantFrom('POST', 'GET'),
    query: fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 30 }).map((c) => `?hub.challenge=${encodeURIComponent(c)}`),
    ),
    config: fc.constantFrom(undefined, {}, { secret: 'zoom-secret' }, { eventTypeHeader: 'x-event-type', eventIdHeader: 'x-event-id' }),
  });

  it('every normalizer answers any request with a well-formed event, handshake or rejection', () => {
    fc.assert(
      fc.property(request, ({ sourceType, body, contentType: type, headers: h, method, query, config }) => {
        const inbound: InboundRequest = { sourceType, body, headers: h, contentType: type, parsed: parseBody(body, type), config, method, url: `https://x.test/in/t${query}` };
        let outcome: NormalizeOutcome | undefined;
        expect(() => {
          outcome = NORMALIZERS.get(sourceType)!(inbound);
        }).not.toThrow();
        checkOutcome(sourceType, outcome!);
      }),
      { numRuns: 3000 },
    );
  });
});
