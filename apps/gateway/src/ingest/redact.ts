/** Request headers whose values are credentials: kept out of the request log. */
export const REDACTED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  // GitLab's classic scheme sends the shared secret itself.
  'x-gitlab-token',
]);

/** Query parameters whose values are credentials (Meta's subscription verify token). */
const REDACTED_QUERY = new Set(['hub.verify_token']);

export const REDACTED = '[redacted]';

/** Secrets this short are matched whole, longer ones anywhere inside a value. */
const MIN_SUBSTRING_SECRET = 8;

/**
 * True when the text carries one of the source's own credentials (the values its provider
 * config marks secret): some senders echo them back in headers or the query string.
 */
export function carriesSecret(text: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => (s.length >= MIN_SUBSTRING_SECRET ? text.includes(s) : text === s));
}

/** The headers as they are logged: credential values replaced, by name and by value. */
export function redactHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, secrets: readonly string[] = []): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name] = REDACTED_HEADERS.has(name.toLowerCase()) || values.some((v) => carriesSecret(v, secrets)) ? REDACTED : value;
  }
  return out;
}

/**
 * The request target as it is logged: the ingest token shortened (it is a capability), and
 * credential query parameters replaced, by name and by value. A query that still shows a
 * secret in any spelling after that is dropped whole.
 */
export function redactUrl(token: string, search: string, secrets: readonly string[] = []): string {
  const shown = `/in/${token.slice(0, 4)}…`;
  if (search === '' || search === '?') return shown;
  const params = new URLSearchParams(search);
  let changed = false;
  for (const [name, value] of [...params]) {
    if (REDACTED_QUERY.has(name) || carriesSecret(value, secrets)) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  const query = changed ? `?${params.toString()}` : search;
  let decoded = query;
  try {
    decoded = decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    // a malformed escape: judged on the raw text
  }
  const leaks = secrets.some((s) => s.length >= MIN_SUBSTRING_SECRET && (query.includes(s) || decoded.includes(s) || query.includes(encodeURIComponent(s))));
  if (leaks) return `${shown}?${REDACTED}`;
  return `${shown}${query}`;
}
