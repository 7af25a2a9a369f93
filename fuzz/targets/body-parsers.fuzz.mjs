// The body parsers (packages/events body.ts) on arbitrary bytes and content types. Invariants:
// nothing throws; JSON is exactly what JSON.parse reads from the strict UTF-8 text and at most
// MAX_JSON_DEPTH deep; text is the decoded bytes; forms have no prototype and only string values;
// strict UTF-8 decoding round-trips; field readers return only strings and finite numbers.
import { MAX_JSON_DEPTH, bodyDigestId, decodeUtf8, jsonDepth, numberField, parseBody, parseForm, parseJson, stringField } from '@switchyard/events';
import { ByteReader, ensure } from '../lib/input.mjs';

export const CONTENT_TYPES = [
  undefined,
  '',
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/cloudevents+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'text/xml',
  'application/xml',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
];
export const FIELDS = ['type', 'id', 'event', 'action', 'data', 'object', 'payload', '__proto__', 'constructor', 'toString', 'length', '0'];

const JSON_TYPES = new Set(['application/json', 'application/cloudevents+json']);
const BOM = [0xef, 0xbb, 0xbf];

function mediaType(contentType) {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export function fuzz(data) {
  const r = new ByteReader(data);
  const contentType = r.int(8) === 0 ? r.latin1(40) : r.pick(CONTENT_TYPES);
  const path = [];
  for (let n = r.int(4); n > 0; n--) path.push(r.pick(FIELDS));
  const body = r.rest();
  const context = { contentType, path, body: Buffer.from(body).toString('base64').slice(0, 400) };

  const text = decodeUtf8(body);
  if (text !== undefined) {
    const hasBom = body.length >= 3 && BOM.every((b, i) => body[i] === b);
    ensure(Buffer.from(text, 'utf8').equals(Buffer.from(hasBom ? body.subarray(3) : body)), 'UTF-8 decoding does not round-trip', context);
  }

  const parsed = parseBody(body, contentType);
  const type = mediaType(contentType);
  switch (parsed.kind) {
    case 'json': {
      ensure(text !== undefined, 'JSON from bytes that are not UTF-8', context);
      ensure(JSON.stringify(parsed.value) === JSON.stringify(JSON.parse(text)), 'JSON differs from JSON.parse', context);
      ensure(jsonDepth(parsed.value) <= MAX_JSON_DEPTH, 'JSON deeper than the limit', context);
      break;
    }
    case 'invalid':
      ensure(typeof parsed.reason === 'string' && parsed.reason.length > 0, 'invalid without a reason', context);
      ensure(JSON_TYPES.has(type) || type.endsWith('+json') || text === undefined, 'a non-JSON type was refused although UTF-8', context);
      break;
    case 'text':
      ensure(parsed.value === text, 'text is not the decoded body', context);
      break;
    case 'form': {
      ensure(Object.getPrototypeOf(parsed.value) === null, 'form object has a prototype', context);
      for (const v of Object.values(parsed.value)) {
        ensure(typeof v === 'string' || (Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'string')), 'form value is not a string or list', context);
      }
      break;
    }
    case 'binary':
      ensure(
        !JSON_TYPES.has(type) && !type.endsWith('+json') && type !== 'application/x-www-form-urlencoded' && type !== 'application/xml' && !type.startsWith('text/'),
        'a declared type came back as binary',
        context,
      );
      break;
    default:
      ensure(false, 'unknown parsed kind', { ...context, parsed });
  }

  if (text !== undefined) {
    const json = parseJson(text);
    ensure(json.ok === true || typeof json.reason === 'string', 'parseJson answered neither', context);
    parseForm(text);
    const value = json.ok ? json.value : undefined;
    const s = stringField(value, ...path);
    ensure(s === undefined || typeof s === 'string', 'stringField returned a non-string', context);
    const n = numberField(value, ...path);
    ensure(n === undefined || Number.isFinite(n), 'numberField returned a non-finite number', context);
  }
  ensure(/^sha256:[0-9a-f]{64}$/.test(bodyDigestId(body)), 'digest id malformed', context);
}
