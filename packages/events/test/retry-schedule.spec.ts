import { describe, expect, it } from '@jest/globals';
import { DEFAULT_JITTER, MAX_RETRY_AFTER_MS, MAX_SCHEDULE_LENGTH, MAX_SCHEDULE_STEP_MS, nextAttemptDelayMs, parseDuration, parseRetryAfter, parseRetrySchedule } from '../src/index.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['0ms', 0],
    ['250ms', 250],
    ['5s', 5 * S],
    ['5m', 5 * M],
    ['2h', 2 * H],
    ['5d', 5 * D],
    ['  5s  ', 5 * S],
    ['007s', 7 * S],
    ['999999999ms', 999_999_999],
  ])('%j → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 's', '5', '5 s', '5S', '5sec', '1.5s', '-5s', '+5s', '5w', '5y', '1e3ms', '0x10s', '1000000000ms', '5s5', 'ms5', '５s'])('%j → undefined', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseRetrySchedule (RETRY_SCHEDULE)', () => {
  it('parses the default schedule', () => {
    expect(parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h')).toEqual({ ok: true, delaysMs: [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H] });
  });

  it.each([
    ['1s,1s,1s', [S, S, S]],
    ['500ms', [500]],
    [' 1s , 2m ,3h,  4d ', [S, 2 * M, 3 * H, 4 * D]],
    ['\t1s,\n2s\n', [S, 2 * S]],
    ['0s,0ms', [0, 0]],
    ['30d', [30 * D]],
    ['720h', [30 * D]],
    [Array.from({ length: MAX_SCHEDULE_LENGTH }, () => '1s').join(','), Array.from({ length: MAX_SCHEDULE_LENGTH }, () => S)],
  ])('%j → %j', (text, delaysMs) => {
    expect(parseRetrySchedule(text)).toEqual({ ok: true, delaysMs });
  });

  it.each(['', '   ', '\n'])('empty (%j) means no retries', (text) => {
    expect(parseRetrySchedule(text)).toEqual({ ok: true, delaysMs: [] });
  });

  it.each([
    ['5s,,5m', '"" is not a duration'],
    ['5s,', '"" is not a duration'],
    [',5s', '"" is not a duration'],
    ['5s;5m', '"5s;5m" is not a duration'],
    ['5 seconds', '"5 seconds" is not a duration'],
    ['5s,10x', '"10x" is not a duration'],
    ['5s,-1s', '"-1s" is not a duration'],
    ['1.5h', '"1.5h" is not a duration'],
    ['31d', '"31d" is longer than 30d'],
    ['721h', '"721h" is longer than 30d'],
    [Array.from({ length: MAX_SCHEDULE_LENGTH + 1 }, () => '1s').join(','), `at most ${MAX_SCHEDULE_LENGTH} retries`],
  ])('%j is rejected: %s', (text, error) => {
    const result = parseRetrySchedule(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });

  it('the error names the accepted units', () => {
    const result = parseRetrySchedule('5 minutes');
    expect(!result.ok && result.error).toContain('units ms, s, m, h, d');
  });

  it('a very long hostile value is rejected quickly without a regex blow-up', () => {
    const hostile = `${'9'.repeat(100_000)}x`;
    const started = Date.now();
    expect(parseRetrySchedule(hostile).ok).toBe(false);
    expect(parseRetrySchedule(Array.from({ length: 10_000 }, () => '1s').join(',')).ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('exports consistent limits', () => {
    expect(MAX_SCHEDULE_STEP_MS).toBe(30 * D);
    expect(MAX_RETRY_AFTER_MS).toBe(D);
    expect(DEFAULT_JITTER).toBe(0.1);
  });
});

describe('nextAttemptDelayMs', () => {
  const delaysMs = [5 * S, 5 * M, 30 * M];

  it.each([
    [1, 0, 5 * S],
    [2, 0, 5 * M],
    [3, 0, 30 * M],
    [1, 0.5, 5250],
    [1, 0.999999, 5500],
    [2, 1, 330 * S],
  ])('failedAttempts=%i random=%p → %i ms', (failedAttempts, r, expected) => {
    expect(nextAttemptDelayMs({ delaysMs, failedAttempts, random: () => r })).toBe(expected);
  });

  it('jitter only lengthens, by at most 10 %, across many random draws', () => {
    for (let i = 0; i < 1000; i++) {
      const delay = nextAttemptDelayMs({ delaysMs, failedAttempts: 2 })!;
      expect(delay).toBeGreaterThanOrEqual(5 * M);
      expect(delay).toBeLessThanOrEqual(5 * M * 1.1);
    }
  });

  it('uses the given random source once per call', () => {
    let calls = 0;
    nextAttemptDelayMs({
      delaysMs,
      failedAttempts: 1,
      random: () => {
        calls++;
        return 0.3;
      },
    });
    expect(calls).toBe(1);
  });

  it('custom jitter 0 gives the schedule exactly; 0.5 gives up to +50 %', () => {
    expect(nextAttemptDelayMs({ delaysMs, failedAttempts: 1, jitter: 0, random: () => 0.99 })).toBe(5 * S);
    expect(nextAttemptDelayMs({ delaysMs, failedAttempts: 1, jitter: 0.5, random: () => 1 })).toBe(7500);
  });

  it.each([0, -1, 4, 100, 1.5, Number.NaN])('failedAttempts=%p → undefined (schedule spent or nonsense)', (failedAttempts) => {
    expect(nextAttemptDelayMs({ delaysMs, failedAttempts, random: () => 0 })).toBeUndefined();
  });

  it('an empty schedule means no retry at all', () => {
    expect(nextAttemptDelayMs({ delaysMs: [], failedAttempts: 1 })).toBeUndefined();
  });

  it.each([
    ['Retry-After longer than the jittered wait wins', 60 * S, 60 * S],
    ['Retry-After shorter than the schedule is ignored (lower bound only)', 1 * S, 5250],
    ['Retry-After of zero changes nothing', 0, 5250],
    ['Retry-After beyond a day is capped at a day', 3 * D, D],
    ['Retry-After exactly one day', D, D],
    ['negative Retry-After changes nothing', -5000, 5250],
    ['NaN Retry-After changes nothing', Number.NaN, 5250],
    ['infinite Retry-After is capped at a day', Number.POSITIVE_INFINITY, D],
  ])('%s', (_name, retryAfterMs, expected) => {
    expect(nextAttemptDelayMs({ delaysMs, failedAttempts: 1, retryAfterMs, random: () => 0.5 })).toBe(expected);
  });

  it('a schedule step longer than the Retry-After cap is still honoured', () => {
    expect(nextAttemptDelayMs({ delaysMs: [2 * D], failedAttempts: 1, retryAfterMs: 3 * D, random: () => 0 })).toBe(2 * D);
  });

  it('Retry-After does not revive a spent schedule', () => {
    expect(nextAttemptDelayMs({ delaysMs, failedAttempts: 4, retryAfterMs: 10 * S })).toBeUndefined();
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(nextAttemptDelayMs({ delaysMs: [333], failedAttempts: 1, random: () => 0.123456 }))).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2015-10-21T07:28:00Z');

  it.each([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 120 ', 120_000],
    ['9999999999', 9_999_999_999_000],
  ])('delay-seconds %j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    ['IMF-fixdate', 'Wed, 21 Oct 2015 07:30:00 GMT', 120_000],
    ['obsolete RFC 850', 'Wednesday, 21-Oct-15 07:30:00 GMT', 120_000],
    ['obsolete asctime (read as GMT)', 'Wed Oct 21 07:30:00 2015', 120_000],
    ['asctime with a one-digit day', 'Sun Nov  6 08:49:37 1994', 0],
    ['a date in the past', 'Wed, 21 Oct 2015 07:00:00 GMT', 0],
    ['the same instant', 'Wed, 21 Oct 2015 07:28:00 GMT', 0],
  ])('HTTP-date (%s) %j → %i ms', (_name, value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    [undefined],
    [''],
    ['   '],
    ['soon'],
    ['-5'],
    ['1.5'],
    ['+5'],
    ['5s'],
    ['1e3'],
    ['0x10'],
    ['12345678901'],
    ['abc 1'],
    ['2015-10-21T07:30:00Z'],
    ['2015-10-21'],
    ['Wed, 21 Oct 2015 07:30:00 PST'],
    ['Wed, 32 Oct 2015 07:30:00 GMT'],
    ['Wed, 21 Oct 2015 25:30:00 GMT'],
    ['wed, 21 oct 2015 07:30:00 gmt'],
    ['Wed, 21 Oct 2015 07:30:00 GMT; extra'],
    ['x'.repeat(10_000)],
  ])('garbage %j → undefined', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it('defaults now to the clock', () => {
    const future = new Date(Date.now() + 60_000).toUTCString();
    const ms = parseRetryAfter(future)!;
    expect(ms).toBeGreaterThan(58_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });

  it('feeds nextAttemptDelayMs as a lower bound', () => {
    const retryAfterMs = parseRetryAfter('Wed, 21 Oct 2015 08:28:00 GMT', now);
    expect(nextAttemptDelayMs({ delaysMs: [5 * S], failedAttempts: 1, retryAfterMs, random: () => 0 })).toBe(H);
  });
});
