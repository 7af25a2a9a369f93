/** A header value as Node and Fastify present it: a string, a list for repeated headers, or absent. */
export type HeaderValue = string | readonly string[] | undefined;

/** Request headers; lookups are case-insensitive. */
export type HeaderBag = Readonly<Record<string, HeaderValue>>;

/** Largest header value a verifier will look at; anything longer is malformed, not parsed. */
export const MAX_SIGNATURE_HEADER_LENGTH = 8192;

export type HeaderLookup =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'too_long' };

function rawHeader(headers: HeaderBag, name: string): HeaderValue {
  const lower = name.toLowerCase();
  if (Object.hasOwn(headers, lower)) return headers[lower];
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) return headers[key];
  }
  return undefined;
}

/** Reads exactly one value of a header: absent, repeated and oversized values are told apart. */
export function singleHeader(headers: HeaderBag, name: string): HeaderLookup {
  const raw = rawHeader(headers, name);
  if (raw === undefined) return { kind: 'missing' };
  let value: string;
  if (typeof raw === 'string') {
    value = raw;
  } else {
    const distinct = [...new Set(raw)];
    if (distinct.length === 0) return { kind: 'missing' };
    if (distinct.length > 1) return { kind: 'duplicate' };
    value = distinct[0]!;
  }
  if (value.length > MAX_SIGNATURE_HEADER_LENGTH) return { kind: 'too_long' };
  if (value.trim() === '') return { kind: 'missing' };
  return { kind: 'value', value: value.trim() };
}

/** Reads an optional plain header value (first of repeated values), or undefined. */
export function optionalHeader(headers: HeaderBag, name: string): string | undefined {
  const raw = rawHeader(headers, name);
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' ? raw : raw[0];
  return value === undefined || value.length > MAX_SIGNATURE_HEADER_LENGTH ? undefined : value;
}
