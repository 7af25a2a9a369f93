import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { decodeTime, encodeTime, isValid } from 'ulid';
import { IdPrefix, idAtTime, isId, newId, timeOfId } from '../src/index.js';

const PREFIXES = Object.values(IdPrefix);

afterEach(() => {
  jest.useRealTimers();
});

describe('newId', () => {
  it.each(PREFIXES)('%s_ + a 26-character Crockford ULID', (prefix) => {
    const id = newId(prefix);
    expect(id.startsWith(`${prefix}_`)).toBe(true);
    const ulid = id.slice(prefix.length + 1);
    expect(ulid).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isValid(ulid)).toBe(true);
    expect(isId(prefix, id)).toBe(true);
  });

  it('uses the persisted Svix-style prefixes', () => {
    expect(IdPrefix).toEqual({
      application: 'app',
      endpoint: 'ep',
      message: 'msg',
      attempt: 'atmpt',
      delivery: 'mdst',
      event: 'evt',
      source: 'src',
      inboundRequest: 'req',
      error: 'err',
      backgroundTask: 'qtask',
      appPortalToken: 'aptok',
    });
  });

  it('carries the creation time (decoded by the ulid library)', () => {
    const before = Date.now();
    const id = newId('msg');
    const after = Date.now();
    const t = decodeTime(id.slice(4));
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });

  it('10 000 ids made in a tight loop are unique and already in sorted order', () => {
    const ids = Array.from({ length: 10_000 }, () => newId('evt'));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('ids made within one frozen millisecond still increase (monotonic factory)', () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const ids = Array.from({ length: 1000 }, () => newId('msg'));
    expect(new Set(ids.map((id) => decodeTime(id.slice(4))))).toEqual(new Set([Date.parse('2030-01-01T00:00:00Z')]));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('ids from a later millisecond sort after ids from an earlier one', () => {
    jest.useFakeTimers({ now: 1_900_000_000_000 });
    const early = newId('msg');
    jest.setSystemTime(1_900_000_000_001);
    const late = newId('msg');
    expect(late > early).toBe(true);
  });
});

describe('idAtTime', () => {
  it.each([['1970-01-01T00:00:00.000Z'], ['2000-02-29T12:34:56.789Z'], ['2025-06-01T00:00:00.000Z'], ['9999-12-31T23:59:59.999Z']])(
    'encodes %s exactly as the ulid library would, followed by zero randomness',
    (iso) => {
      const time = new Date(iso);
      const id = idAtTime('msg', time);
      expect(id).toBe(`msg_${encodeTime(time.getTime(), 10)}${'0'.repeat(16)}`);
      expect(decodeTime(id.slice(4))).toBe(time.getTime());
      expect(isId('msg', id)).toBe(true);
    },
  );

  it('is a lower bound: idAtTime(t) ≤ an id made at t < idAtTime(t + 1 ms)', () => {
    const t = 1_950_000_000_123;
    jest.useFakeTimers({ now: t });
    const ids = Array.from({ length: 100 }, () => newId('evt'));
    for (const id of ids) {
      expect(idAtTime('evt', new Date(t)) <= id).toBe(true);
      expect(id < idAtTime('evt', new Date(t + 1))).toBe(true);
      expect(idAtTime('evt', new Date(t - 1)) < id).toBe(true);
    }
  });

  it('orders like time', () => {
    const times = [0, 1, 31, 32, 1023, 1024, 2 ** 40, 1_700_000_000_000, 1_700_000_000_001, 2 ** 48 - 1];
    const ids = times.map((t) => idAtTime('app', new Date(t)));
    expect([...ids].sort()).toEqual(ids);
  });

  it('clamps times before the epoch to zero', () => {
    expect(idAtTime('ep', new Date(-5000))).toBe(`ep_${'0'.repeat(26)}`);
  });

  it('clamps times beyond the 48-bit ULID range instead of wrapping', () => {
    const max = idAtTime('ep', new Date(2 ** 48 - 1));
    expect(idAtTime('ep', new Date(8.64e15))).toBe(max);
    expect(max).toBe(`ep_7ZZZZZZZZZ${'0'.repeat(16)}`);
  });

  it('refuses an invalid date rather than producing a garbage cursor', () => {
    expect(() => idAtTime('msg', new Date('not a date'))).toThrow(RangeError);
  });
});

describe('isId', () => {
  it.each([
    ['msg', 'msg_01ARZ3NDEKTSV4RRFFQ69G5FAV', true],
    ['msg', 'app_01ARZ3NDEKTSV4RRFFQ69G5FAV', false],
    ['msg', 'msg_01ARZ3NDEKTSV4RRFFQ69G5FA', false],
    ['msg', 'msg_01ARZ3NDEKTSV4RRFFQ69G5FAVX', false],
    ['msg', 'msg_01arz3ndektsv4rrffq69g5fav', false],
    ['msg', 'msg_01ARZ3NDEKTSV4RRFFQ69G5FAI', false],
    ['msg', 'msg_01ARZ3NDEKTSV4RRFFQ69G5FAU', false],
    ['msg', 'msg-01ARZ3NDEKTSV4RRFFQ69G5FAV', false],
    ['msg', ' msg_01ARZ3NDEKTSV4RRFFQ69G5FAV', false],
    ['msg', '', false],
    ['atmpt', 'atmpt_01ARZ3NDEKTSV4RRFFQ69G5FAV', true],
  ] as const)('isId(%s, %j) → %s', (prefix, text, expected) => {
    expect(isId(prefix, text)).toBe(expected);
  });
});

describe('timeOfId', () => {
  it('answers the time an id was made at, the inverse of idAtTime', () => {
    const at = Date.UTC(2026, 11, 3, 16, 45, 12, 345);
    expect(timeOfId(idAtTime('atmpt', new Date(at)))).toBe(at);
    const before = Date.now();
    const t = timeOfId(newId('req'));
    expect(t).toBeGreaterThanOrEqual(before);
  });

  it.each(['req_1', 'atmpt_01arz3ndektsv4rrffq69g5fav', '', 'atmpt_8ZZZZZZZZZZZZZZZZZZZZZZZZZ'])('is null for %j, which is no id', (text) => {
    expect(timeOfId(text)).toBeNull();
  });
});
