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

/** The headers as they are logged: credential values replaced. */
export function redactHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = REDACTED_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
  }
  return out;
}

/**
 * The request target as it is logged: the ingest token shortened (it is a capability), and
 * credential query parameters replaced.
 */
export function redactUrl(token: string, search: string): string {
  const shown = `/in/${token.slice(0, 4)}…`;
  if (search === '' || search === '?') return shown;
  const params = new URLSearchParams(search);
  let changed = false;
  for (const name of REDACTED_QUERY) {
    if (params.has(name)) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  return `${shown}${changed ? `?${params.toString()}` : search}`;
}
