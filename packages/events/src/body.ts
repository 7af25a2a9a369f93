import { createHash } from 'node:crypto';

/** Deepest JSON nesting a normalizer accepts; deeper documents are rejected, not walked recursively later. */
export const MAX_JSON_DEPTH = 128;

export type ParsedBody =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly value: Record<string, string | string[]> }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'binary' }
  | { readonly kind: 'invalid'; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8 strictly; undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Nesting depth of a parsed JSON value, walked iteratively (no recursion on hostile input). */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return max;
}

/** Parses JSON text with a depth limit; an error string instead of an exception. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return { ok: false, reason: `JSON is nested deeper than ${MAX_JSON_DEPTH}` };
  return { ok: true, value };
}

/** Parses a form-encoded body; repeated keys become lists. The object has no prototype. */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

function mediaType(contentType: string | undefined): string {
  const text = contentType ?? '';
  const semicolon = text.indexOf(';');
  // Not split(';'): a long list of parameters would become as many strings first.
  return (semicolon === -1 ? text : text.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * True when the first character after JSON whitespace opens an array or object. A loop, not
 * /^\s*[[{]/: the regex is linear in theory, but V8 keeps a backtrack entry per blank, which
 * costs more than linear on megabytes of them. Other blanks \s would skip fail JSON.parse anyway.
 */
function startsLikeJsonContainer(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) continue;
    return code === 0x5b || code === 0x7b;
  }
  return false;
}

/** Parses a raw body by its content type: JSON, form, text, or opaque bytes. */
export function parseBody(body: Uint8Array, contentType: string | undefined): ParsedBody {
  const type = mediaType(contentType);
  const isJson = type === 'application/json' || type.endsWith('+json');
  const isForm = type === 'application/x-www-form-urlencoded';
  const isText = type.startsWith('text/') || type === 'application/xml';
  if (!isJson && !isForm && !isText) {
    // No (or an unknown) content type: JSON if it is JSON, else opaque bytes.
    const text = decodeUtf8(body);
    if (text !== undefined && startsLikeJsonContainer(text)) {
      const parsed = parseJson(text);
      if (parsed.ok) return { kind: 'json', value: parsed.value };
    }
    return { kind: 'binary' };
  }
  const text = decodeUtf8(body);
  if (text === undefined) return { kind: 'invalid', reason: 'body is not valid UTF-8' };
  if (isJson) {
    const parsed = parseJson(text);
    return parsed.ok ? { kind: 'json', value: parsed.value } : { kind: 'invalid', reason: parsed.reason };
  }
  if (isForm) return { kind: 'form', value: parseForm(text) };
  return { kind: 'text', value: text };
}

/** A content-derived id (`sha256:<hex>`) for providers whose deliveries carry none. */
export function bodyDigestId(body: Uint8Array): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** Reads a string property of a parsed JSON object, or undefined. */
export function stringField(value: unknown, ...path: string[]): string | undefined {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (typeof node === 'string') return node;
  if (typeof node === 'number' && Number.isFinite(node)) return String(node);
  return undefined;
}

/**
 * Reads an id property: a string field that is not blank. A provider id is a dedup key, and a
 * blank one would make every later delivery of the source a "duplicate" of the first.
 */
export function idField(value: unknown, ...path: string[]): string | undefined {
  const text = stringField(value, ...path);
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** Reads a numeric property (number or numeric string) of a parsed JSON object, or undefined. */
export function numberField(value: unknown, ...path: string[]): number | undefined {
  const text = stringField(value, ...path);
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
