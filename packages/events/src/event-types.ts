/** Svix's rule for event type names. */
export const EVENT_TYPE_NAME = /^[a-zA-Z0-9\-_.]+$/;
/** Longest event type name Svix accepts. */
export const MAX_EVENT_TYPE_LENGTH = 256;

/** True when the name is a valid event type name. */
export function isValidEventTypeName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_EVENT_TYPE_LENGTH && EVENT_TYPE_NAME.test(name);
}

/** Makes one provider-supplied name segment safe: characters outside [A-Za-z0-9-_] become `_`. */
export function sanitizeSegment(segment: string): string {
  const cleaned = segment.trim().replace(/[^A-Za-z0-9\-_]+/g, '_').replace(/^_+|_+$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 100) : 'unknown';
}

/**
 * Joins the source type and provider names into an event type, keeping the provider's own
 * dots (Stripe's `invoice.paid`) and turning other separators (Shopify's `/`) into dots.
 */
export function eventTypeName(sourceType: string, ...names: (string | undefined | null)[]): string {
  const segments = [sourceType];
  for (const name of names) {
    if (name === undefined || name === null || name === '') continue;
    for (const piece of String(name).split(/[./]/)) {
      if (piece !== '') segments.push(sanitizeSegment(piece));
    }
  }
  return segments.join('.').slice(0, MAX_EVENT_TYPE_LENGTH);
}
