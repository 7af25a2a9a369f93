// Every registered provider verifier on arbitrary requests: headers built from the names verifiers
// read and fragments of real signature syntax, any query, any body. Invariants: verify never
// throws (its documented contract), always answers { ok, reason, detail } with a known reason, and
// never accepts a request nobody signed (only generic-webhook, by design, and Meta's GET
// handshake carrying the configured verify token pass without a MAC).
import { VERIFIERS } from '@switchyard/providers';
import { ByteReader, ensure } from '../lib/input.mjs';
import { CONFIGS, NOW_MS, REASONS, SIGNATURE_HEADERS, UNSIGNED, URL_BASE } from '../lib/providers.mjs';

const TYPES = [...VERIFIERS.keys()];
const CONFIG = new Map(TYPES.map((type) => [type, VERIFIERS.get(type).parseConfig(CONFIGS[type]).config]));
/** Pieces of real signature headers, so mutations get past the prefix checks. */
export const FRAGMENTS = [
  'sha256=',
  'sha1=',
  'v0=',
  'v1,',
  'v1=',
  't=',
  'ts=',
  'h1=',
  'v1a,',
  ',',
  ' ',
  '=',
  ';',
  ':',
  '1700000000',
  '1699999999',
  '1700000000000',
  '-1',
  'deadbeef',
  '0'.repeat(64),
  'AAAA',
  '==',
  'algorithm=HMAC_SHA256',
  'hub.mode=subscribe&hub.verify_token=fuzz-verify&hub.challenge=c',
  'bodySHA256=',
  'msg_fuzz',
  '\u0000',
  'é',
  '\r\n',
  '%',
  '{',
  '}',
];

function value(r) {
  let out = '';
  for (let parts = r.int(6); parts > 0; parts--) out += r.bool() ? r.pick(FRAGMENTS) : r.latin1(48);
  return out;
}

function defineHeader(headers, name, v) {
  // An own property even for "__proto__", as Node's parser would give.
  Object.defineProperty(headers, name, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Checks one verification result against the documented shape. */
export function checkResult(result, context) {
  ensure(typeof result === 'object' && result !== null && typeof result.ok === 'boolean', 'result is not { ok }', context);
  if (!result.ok) {
    ensure(REASONS.has(result.reason), 'unknown failure reason', { ...context, result });
    ensure(typeof result.detail === 'string' && result.detail.length < 500, 'detail is not a short string', { ...context, result });
  }
}

export function fuzz(data) {
  const r = new ByteReader(data);
  const type = r.pick(TYPES);
  const method = r.pick(['POST', 'POST', 'POST', 'GET']);
  const headers = {};
  for (let count = r.int(7); count > 0; count--) {
    const name = r.pick(SIGNATURE_HEADERS);
    defineHeader(headers, name, r.int(8) === 0 ? [value(r), value(r)] : value(r));
  }
  const query = r.bool() ? `?${value(r)}` : '';
  const body = r.rest();
  const context = { type, method, headers, query };
  const result = VERIFIERS.get(type).verify({ body, headers, method, url: URL_BASE + query }, CONFIG.get(type), { now: NOW_MS });
  checkResult(result, context);
  if (result.ok && !UNSIGNED.has(type)) {
    const token = new URLSearchParams(query.slice(1)).get('hub.verify_token');
    ensure(type === 'meta' && method === 'GET' && token === 'fuzz-verify', 'a request nobody signed verified', context);
  }
}
