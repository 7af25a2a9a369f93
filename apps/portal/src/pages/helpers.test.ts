import { describe, expect, it } from 'vitest';
import { toApiError } from '../api/client';
import { formatHeaders, parseHeaders } from './EndpointForm';
import { bucketize } from './Health';

describe('parseHeaders', () => {
  it('reads one "Name: value" a line and round-trips with formatHeaders', () => {
    const headers = parseHeaders('X-Tenant: acme\n\nAuthorization: Bearer a:b\n');
    expect(headers).toEqual({ 'X-Tenant': 'acme', Authorization: 'Bearer a:b' });
    expect(parseHeaders(formatHeaders(headers))).toEqual(headers);
  });

  it('rejects a line without a valid name', () => {
    expect(() => parseHeaders('no colon here')).toThrow(/line 1/);
    expect(() => parseHeaders('ok: 1\nbad name: 2')).toThrow(/line 2/);
  });
});

describe('bucketize', () => {
  it('counts successes and failures per bucket and leaves out pending and out-of-window attempts', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const at = (minutesAgo: number, status: number) => ({ timestamp: new Date(now - minutesAgo * 60_000).toISOString(), status });
    const buckets = bucketize([at(1, 0), at(2, 2), at(3, 1), at(59, 0), at(61, 0), at(-1, 0)], now, 3_600_000, 30 * 60_000);
    expect(buckets.map((b) => [b.success, b.failure])).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('toApiError', () => {
  it('keeps the code of a Svix error body and flattens a 422', () => {
    expect(toApiError(401, { code: 'token_expired', detail: 'expired' })).toMatchObject({ status: 401, code: 'token_expired', message: 'expired', isAuth: true });
    expect(toApiError(422, { detail: [{ loc: ['body', 'url'], msg: 'must be a URL', type: 'url' }] }).message).toBe('url: must be a URL');
  });
});
