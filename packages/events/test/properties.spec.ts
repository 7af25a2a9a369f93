// Property tests (fast-check): the body parsers take any bytes under any content type, with a
// well-formed answer (the normalizers' properties are in packages/providers). Sized for a 2-core
// CI: a few hundred runs per property.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_JSON_DEPTH, decodeUtf8, jsonDepth, parseBody } from '../src/index.js';

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

/** Field names the normalizers read, so generated JSON looks like provider payloads. */
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
describe('body parsers (properties)', () => {
  it('parseBody takes any bytes under any content type, and JSON is exactly JSON.parse of the text', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, jsonBody, formBody), contentType, (body, type) => {
        const parsed = parseBody(body, type);
        expect(['json', 'form', 'text', 'binary', 'invalid']).toContain(parsed.kind);
        if (parsed.kind === 'json') {
          const text = decodeUtf8(body)!;
          expect(JSON.stringify(parsed.value)).toBe(JSON.stringify(JSON.parse(text)));
          expect(jsonDepth(parsed.value)).toBeLessThanOrEqual(MAX_JSON_DEPTH);
        }
        if (parsed.kind === 'form') expect(Object.getPrototypeOf(parsed.value)).toBeNull();
        if (parsed.kind === 'text') expect(parsed.value).toBe(decodeUtf8(body));
      }),
      { numRuns: 500 },
    );
  });

  it('JSON nested deeper than the limit is refused, not walked recursively', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_JSON_DEPTH + 1, max: 50_000 }), fc.constantFrom('[', '{"a":'), (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const body = new TextEncoder().encode(`${open.repeat(depth)}1${close.repeat(depth)}`);
        expect(parseBody(body, 'application/json')).toEqual({ kind: 'invalid', reason: `JSON is nested deeper than ${MAX_JSON_DEPTH}` });
      }),
      { numRuns: 20 },
    );
  });
});
