// W3C Trace Context (https://www.w3.org/TR/trace-context/), read without the SDK: a received
// `traceparent` is validated and stored even when tracing is off, so this file imports nothing.

/** A trace context as stored with a message and sent on: `traceparent` (always version 00) and `tracestate`. */
export interface TraceCarrier {
  readonly traceParent: string;
  readonly traceState: string | null;
}

/** Headers as Node and Fastify hand them over. */
export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** Longer headers are not parsed at all (the spec's largest tracestate is 512 characters). */
const MAX_HEADER_LENGTH = 512;
const MAX_TRACESTATE_MEMBERS = 32;
const TRACESTATE_KEY = /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * A `traceparent` value normalized to version 00, or null when it is malformed: wrong shape,
 * version ff, a version-00 header with extra fields, or an all-zero trace or parent id. A later
 * version is read by its first four fields, as the spec asks.
 */
export function parseTraceParent(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_HEADER_LENGTH) return null;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return null;
  return `00-${traceId}-${spanId}-${flags}`;
}

/** A `tracestate` value (repeated headers joined) if every list member is well formed, else null. */
export function parseTraceState(value: unknown): string | null {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (typeof text !== 'string' || text.length > MAX_HEADER_LENGTH) return null;
  const members = text
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) return null;
  const keys = new Set<string>();
  for (const member of members) {
    const eq = member.indexOf('=');
    if (eq <= 0) return null;
    const key = member.slice(0, eq);
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(eq + 1)) || keys.has(key)) return null;
    keys.add(key);
  }
  return members.join(',');
}

/**
 * The trace context a request carries, or null when it has no valid `traceparent`. Never throws:
 * a malformed header is ignored, as if absent (a repeated `traceparent` is malformed); a malformed
 * `tracestate` is dropped and the `traceparent` kept.
 */
export function traceContextOf(headers: HeaderMap): TraceCarrier | null {
  const traceParent = parseTraceParent(headers.traceparent);
  if (traceParent === null) return null;
  const state = headers.tracestate;
  return { traceParent, traceState: state === undefined ? null : parseTraceState(state) };
}

/** The headers that carry a trace context on to the next hop. */
export function traceHeaders(carrier: TraceCarrier | null): Record<string, string> {
  if (carrier === null) return {};
  return carrier.traceState ? { traceparent: carrier.traceParent, tracestate: carrier.traceState } : { traceparent: carrier.traceParent };
}
