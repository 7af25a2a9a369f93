/** Svix's rule for event type names. */
export const EVENT_TYPE_NAME = /^[a-zA-Z0-9\-_.]+$/;
/** Longest event type name Svix accepts. */
export const MAX_EVENT_TYPE_LENGTH = 256;
/** Longest segment a provider name contributes to an event type. */
export const MAX_SEGMENT_LENGTH = 100;

/** True when the name is a valid event type name. */
export function isValidEventTypeName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_EVENT_TYPE_LENGTH && EVENT_TYPE_NAME.test(name);
}

const UNDERSCORE = 0x5f;

/** [A-Za-z0-9-_], by UTF-16 code unit (as the regexes without the u flag saw them). */
function isSegmentChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x2d || code === UNDERSCORE;
}

/**
 * Makes one provider-supplied name segment safe: each run of characters outside [A-Za-z0-9-_]
 * becomes one `_`, leading and trailing `_` go, and the rest is cut to 100 characters.
 *
 * One pass over the code units, no regex: the input is untrusted (a generic-webhook body's
 * `type` is up to MAX_BODY_BYTES), and the former `/^_+|_+$/g` trim was quadratic on `a___…___b`.
 */
export function sanitizeSegment(segment: string): string {
  const text = segment.trim();
  let out = '';
  // Underscores seen since the last kept character: kept only if another character follows.
  let pendingUnderscores = 0;
  let inDisallowedRun = false;
  for (let i = 0; i < text.length && out.length < MAX_SEGMENT_LENGTH; i++) {
    const code = text.charCodeAt(i);
    if (!isSegmentChar(code) || code === UNDERSCORE) {
      if (!isSegmentChar(code)) {
        if (inDisallowedRun) continue;
        inDisallowedRun = true;
      } else {
        inDisallowedRun = false;
      }
      if (out.length > 0) pendingUnderscores++;
      continue;
    }
    inDisallowedRun = false;
    if (pendingUnderscores > 0) {
      out += '_'.repeat(Math.min(pendingUnderscores, MAX_SEGMENT_LENGTH - out.length));
      pendingUnderscores = 0;
      if (out.length >= MAX_SEGMENT_LENGTH) break;
    }
    out += text[i];
  }
  return out.length > 0 ? out : 'unknown';
}

/** True at a separator between provider name pieces: `.` (kept) or `/` (Shopify's topics). */
function isPieceSeparator(code: number): boolean {
  return code === 0x2e || code === 0x2f;
}

/**
 * Joins the source type and provider names into an event type, keeping the provider's own
 * dots (Stripe's `invoice.paid`) and turning other separators (Shopify's `/`) into dots.
 * Stops reading once the name is full, so a huge provider name costs one partial scan.
 * Names that give no segment at all (blank, only dots) give `{source}.unknown`, never the bare
 * source type, which a `{source}.*` filter would not match.
 */
export function eventTypeName(sourceType: string, ...names: (string | undefined | null)[]): string {
  let result = sourceType;
  for (const name of names) {
    if (result.length >= MAX_EVENT_TYPE_LENGTH) break;
    if (name === undefined || name === null || name === '') continue;
    const text = String(name);
    let start = 0;
    for (let i = 0; i <= text.length && result.length < MAX_EVENT_TYPE_LENGTH; i++) {
      if (i < text.length && !isPieceSeparator(text.charCodeAt(i))) continue;
      if (i > start) result += `.${sanitizeSegment(text.slice(start, i))}`;
      start = i + 1;
    }
  }
  if (result === sourceType) result += '.unknown';
  return result.slice(0, MAX_EVENT_TYPE_LENGTH);
}
