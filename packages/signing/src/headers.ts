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
  | { readonly kind: 'too_long' }
  /** Not a string or a list of strings: only a hostile or broken caller passes one. */
  | { readonly kind: 'invalid' };

function rawHeader(headers: HeaderBag, name: string): HeaderValue {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const lower = name.toLowerCase();
  if (Object.hasOwn(headers, lower)) return headers[lower];
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) return headers[key];
  }
  return undefined;
}

/** Reads exactly one value of a header: absent, repeated and oversized values are told apart. */
export function singleHeader(headers: HeaderBag, name: string): HeaderLookup {
  const raw: unknown = rawHeader(headers, name);
  if (raw === undefined || raw === null) return { kind: 'missing' };
  let value: string;
  if (typeof raw === 'string') {
    value = raw;
  } else if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) {
    const distinct = [...new Set(raw as string[])];
    if (distinct.length === 0) return { kind: 'missing' };
    if (distinct.length > 1) return { kind: 'duplicate' };
    value = distinct[0]!;
  } else {
    return { kind: 'invalid' };
  }
  if (value.length > MAX_SIGNATURE_HEADER_LENGTH) return { kind: 'too_long' };
  if (value.trim() === '') return { kind: 'missing' };
  return { kind: 'value', value: value.trim() };
}

/**
 * Reads an optional plain header value (first of repeated values), or undefined. A blank value
 * counts as absent, as in singleHeader: `X-Request-Id: ` names no id.
 */
export function optionalHeader(headers: HeaderBag, name: string): string | undefined {
  const raw: unknown = rawHeader(headers, name);
  const value: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof value !== 'string' || value.length > MAX_SIGNATURE_HEADER_LENGTH || value.trim() === '' ? undefined : value;
}
