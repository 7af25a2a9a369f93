const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/** Longest single wait a schedule may hold (30 days). */
export const MAX_SCHEDULE_STEP_MS = 30 * UNIT_MS.d;
/** Most retries a schedule may hold. */
export const MAX_SCHEDULE_LENGTH = 50;
/** The longest a `Retry-After` may push an attempt back (one day). */
export const MAX_RETRY_AFTER_MS = UNIT_MS.d;
/** Default jitter: each wait is lengthened by up to this fraction. */
export const DEFAULT_JITTER = 0.1;

/** Parses one duration such as `500ms`, `5s`, `5m`, `2h`, `5d`; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export type ScheduleResult = { readonly ok: true; readonly delaysMs: number[] } | { readonly ok: false; readonly error: string };

/** Parses `RETRY_SCHEDULE` (`5s,5m,30m,…`): the waits after the 1st, 2nd, … failed attempt. */
export function parseRetrySchedule(text: string): ScheduleResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, delaysMs: [] };
  const items = trimmed.split(',');
  if (items.length > MAX_SCHEDULE_LENGTH) return { ok: false, error: `at most ${MAX_SCHEDULE_LENGTH} retries` };
  const delaysMs: number[] = [];
  for (const item of items) {
    const ms = parseDuration(item);
    if (ms === undefined) return { ok: false, error: `"${item.trim()}" is not a duration (units ms, s, m, h, d)` };
    if (ms > MAX_SCHEDULE_STEP_MS) return { ok: false, error: `"${item.trim()}" is longer than 30d` };
    delaysMs.push(ms);
  }
  return { ok: true, delaysMs };
}

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Parses a `Retry-After` header: delay seconds or an HTTP date. Returns milliseconds from now,
 * or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // Only the three HTTP-date forms (RFC 9110 §5.6.7): Date.parse alone reads "1.5" or "-5" as dates.
  let date: number;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) date = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) date = Date.parse(`${text} GMT`);
  else return undefined;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export interface NextAttemptInput {
  /** Waits after each failed attempt, from parseRetrySchedule. */
  readonly delaysMs: readonly number[];
  /** How many attempts have failed so far (1 after the first failure). */
  readonly failedAttempts: number;
  /** A wait the receiver asked for (429/503 Retry-After), in ms. */
  readonly retryAfterMs?: number;
  /** Fraction of the wait added at random; default 0.1. */
  readonly jitter?: number;
  /** Source of randomness in [0, 1); tests pin it. */
  readonly random?: () => number;
}

/**
 * The wait before the next attempt, or undefined when the schedule is spent. Jitter only
 * lengthens a wait, so no attempt comes earlier than the schedule says; a Retry-After is honoured
 * as a lower bound, capped at one day.
 */
export function nextAttemptDelayMs(input: NextAttemptInput): number | undefined {
  const base = input.delaysMs[input.failedAttempts - 1];
  if (base === undefined || input.failedAttempts < 1) return undefined;
  const jitter = input.jitter ?? DEFAULT_JITTER;
  const random = (input.random ?? Math.random)();
  const jittered = Math.round(base + base * jitter * random);
  if (input.retryAfterMs === undefined || Number.isNaN(input.retryAfterMs)) return jittered;
  return Math.max(jittered, Math.min(input.retryAfterMs, MAX_RETRY_AFTER_MS));
}
