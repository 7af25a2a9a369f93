/** PORTAL_FRAME_ANCESTORS's check (no dependencies: the settings loader imports it). */

/** Is this a valid CSP frame-ancestors source list (no directive separators, no quoted keyword but 'self' and 'none')? */
export function isFrameAncestorsList(value: string): boolean {
  const sources = value.trim().split(/\s+/);
  return value.trim() !== '' && sources.every((s) => /^('self'|'none'|\*|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*:\/\/)?(\*\.)?[a-z0-9.-]+(:(\d+|\*))?(\/[^\s;,']*)?)$/i.test(s));
}
