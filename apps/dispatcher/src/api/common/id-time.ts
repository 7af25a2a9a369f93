const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The time encoded in a prefixed ULID id (`msg_01…`), to the millisecond. A row whose
 * creation time is this value sorts, pages and filters by `before`/`after` exactly as its
 * `timestamp` says, whatever the clocks of the database and this host.
 */
export function timeOfId(id: string): Date {
  const start = id.indexOf('_') + 1;
  let ms = 0;
  for (const c of id.slice(start, start + 10)) ms = ms * 32 + CROCKFORD.indexOf(c);
  return new Date(ms);
}
