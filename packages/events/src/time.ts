const UNIX_SECONDS = /^\d{1,12}$/;

/** Parses a decimal unix timestamp in seconds, strictly; undefined otherwise. */
export function parseUnixSeconds(text: string): number | undefined {
  return UNIX_SECONDS.test(text.trim()) ? Number(text.trim()) : undefined;
}
