/**
 * Reading one member of a JSON object out of the request's raw text, without parsing it into
 * JavaScript values: a message payload is stored (and signed, and sent) as the text the publisher
 * sent, so numbers beyond 2^53, key order and escapes survive exactly (as Svix's RawValue).
 * The input has already been accepted by the JSON body parser, so it is well-formed.
 */

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string starting at `i` (which is a `"`). */
function skipString(text: string, i: number): number {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  throw new SyntaxError('unterminated string');
}

/** Index just past the JSON value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError('unterminated container');
  }
  // Number, true, false, null: up to the next delimiter.
  while (i < text.length && !WHITESPACE.has(text.charCodeAt(i)) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']') i++;
  return i;
}

/** The JSON text with insignificant whitespace removed (strings untouched). */
export function minifyJson(text: string): string {
  let out = '';
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i);
    } else if (WHITESPACE.has(c)) {
      out += text.slice(start, i);
      i = skipWhitespace(text, i);
      start = i;
    } else {
      i++;
    }
  }
  return out + text.slice(start);
}

/**
 * The raw text of the top-level member `key` of the JSON object `text`, minified; the last one
 * if the key repeats (as JSON.parse does). Undefined when the text is not an object or lacks the key.
 */
export function rawJsonMember(text: string, key: string): string | undefined {
  let i = skipWhitespace(text, 0);
  if (text[i] !== '{') return undefined;
  i = skipWhitespace(text, i + 1);
  let found: string | undefined;
  while (i < text.length && text[i] !== '}') {
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') throw new SyntaxError('expected a colon');
    const valueStart = skipWhitespace(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    if (name === key) found = text.slice(valueStart, valueEnd);
    i = skipWhitespace(text, valueEnd);
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  return found === undefined ? undefined : minifyJson(found);
}
