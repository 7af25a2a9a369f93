// Event type naming and the small parsers of provider and receiver text (packages/events):
// sanitizeSegment and eventTypeName always give valid Svix names and agree with the former regex
// implementation (quadratic, so only short inputs go through it); the time, id and Retry-After
// parsers never throw and give only what they promise.
import { eventTypeName, isId, isValidEventTypeName, MAX_EVENT_TYPE_LENGTH, parseRetryAfter, parseUnixSeconds, sanitizeSegment } from '@switchyard/events';
import { ByteReader, ensure } from '../lib/input.mjs';

function oracleSegment(segment) {
  const cleaned = segment
    .trim()
    .replace(/[^A-Za-z0-9\-_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 100) : 'unknown';
}

function oracleName(sourceType, ...names) {
  const segments = [sourceType];
  for (const name of names) {
    if (name === undefined || name === null || name === '') continue;
    for (const piece of String(name).split(/[./]/)) if (piece !== '') segments.push(oracleSegment(piece));
  }
  if (segments.length === 1) segments.push('unknown'); // never the bare source type
  return segments.join('.').slice(0, MAX_EVENT_TYPE_LENGTH);
}

const text = (r) => (r.bool() ? r.utf8(600) : r.latin1(600));

export function fuzz(data) {
  const r = new ByteReader(data);
  const a = text(r);
  const b = r.int(3) === 0 ? undefined : text(r);
  const c = r.rest();
  const longText = Buffer.from(c).toString('latin1');

  const segment = sanitizeSegment(a);
  ensure(/^[A-Za-z0-9-][A-Za-z0-9\-_]{0,99}$/.test(segment), 'segment is not a clean name', { a, segment });
  ensure(segment === oracleSegment(a), 'segment differs from the former implementation', { a, segment });
  const name = eventTypeName('hmac', a, b);
  ensure(isValidEventTypeName(name) && name.startsWith('hmac.') && name === oracleName('hmac', a, b), 'event type differs or is invalid', { a, b, name });
  // Long inputs: valid names, without the quadratic oracle.
  ensure(isValidEventTypeName(eventTypeName('generic-webhook', longText, longText)), 'long input gives an invalid name', { length: longText.length });

  const seconds = parseUnixSeconds(a);
  ensure(seconds === undefined || (Number.isSafeInteger(seconds) && seconds >= 0), 'parseUnixSeconds', { a, seconds });
  const wait = parseRetryAfter(a, 1_700_000_000_000);
  ensure(wait === undefined || (Number.isFinite(wait) && wait >= 0), 'parseRetryAfter', { a, wait });
  ensure(typeof isId('msg', a) === 'boolean', 'isId', { a });
}
