import { describe, expect, it } from '@jest/globals';
import {
  MAX_SIGNATURE_HEADER_LENGTH,
  SignatureVerificationError,
  anyTimingSafeEqual,
  assertVerified,
  decodeDigest,
  fail,
  hmac,
  optionalHeader,
  pass,
  secretList,
  singleHeader,
  timingSafeEqualBytes,
  timingSafeEqualStrings,
} from '../src/index.js';
import { checkTimestamp, parseUnixSeconds } from '../src/primitives.js';
import { NOW_MS, NOW_S, refHmac } from './helpers.js';

describe('hmac primitive agrees with @noble/hashes', () => {
  it.each(['sha1', 'sha256', 'sha512'] as const)('%s over several parts equals the pure-JS HMAC of their concatenation', (algorithm) => {
    const key = 'k€y';
    const parts = ['a.', Buffer.from([0, 1, 255]), '', 'ü'];
    expect(Uint8Array.from(hmac(algorithm, key, ...parts))).toEqual(refHmac(algorithm, key, ...parts));
  });

  it('accepts a byte key', () => {
    const key = Uint8Array.from([1, 2, 3]);
    expect(Uint8Array.from(hmac('sha256', key, 'x'))).toEqual(refHmac('sha256', key, 'x'));
  });
});

describe('decodeDigest', () => {
  it.each([
    ['00ff', 'hex', [0, 255]],
    ['00FF', 'hex', [0, 255]],
    ['AP8=', 'base64', [0, 255]],
    ['AP8', 'base64url', [0, 255]],
    ['AP8=', 'base64url', [0, 255]],
    ['_-8', 'base64url', [255, 239]],
  ] as const)('%j as %s', (text, encoding, expected) => {
    expect([...decodeDigest(text, encoding)!]).toEqual(expected);
  });

  it.each([
    ['', 'hex'],
    ['0', 'hex'],
    ['0g', 'hex'],
    [' 00', 'hex'],
    ['0x00', 'hex'],
    ['', 'base64'],
    ['AP8', 'base64'],
    ['AP8==', 'base64'],
    ['A-8=', 'base64'],
    ['AP8=\n', 'base64'],
    ['', 'base64url'],
    ['AP+8', 'base64url'],
    ['AP/8', 'base64url'],
  ] as const)('rejects %j as %s', (text, encoding) => {
    expect(decodeDigest(text, encoding)).toBeUndefined();
  });

  it('rejects an unknown encoding', () => {
    expect(decodeDigest('00', 'base32' as never)).toBeUndefined();
  });
});

describe('secretList', () => {
  it.each([
    ['s', ['s']],
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
  ] as const)('%j → %j', (input, expected) => {
    expect(secretList(input)).toEqual(expected);
  });

  it.each([[undefined], [''], [[]], [['a', '']], [['a', 3 as never]]])('%j → undefined', (input) => {
    expect(secretList(input as never)).toBeUndefined();
  });
});

describe('parseUnixSeconds', () => {
  it.each([
    ['0', 0],
    ['1700000000', 1700000000],
    ['01700000000', 1700000000],
    ['999999999999', 999999999999],
  ])('%j → %p', (text, value) => {
    expect(parseUnixSeconds(text)).toBe(value);
  });

  it.each(['', ' 1', '1 ', '-1', '+1', '1.0', '1e9', '0x10', '1000000000000', 'NaN', 'Infinity', '１２３'])('%j → undefined', (text) => {
    expect(parseUnixSeconds(text)).toBeUndefined();
  });
});

describe('checkTimestamp', () => {
  it.each([
    [NOW_S, 300, undefined],
    [NOW_S - 300, 300, undefined],
    [NOW_S + 300, 300, undefined],
    [NOW_S - 301, 300, 'stale_timestamp'],
    [NOW_S + 301, 300, 'future_timestamp'],
    [0, 0, undefined],
    [NOW_S * 2, 0, undefined],
    [0, -1, undefined],
    [NOW_S - 2, 1, 'stale_timestamp'],
    [NOW_S + 2, 1, 'future_timestamp'],
  ])('ts=%p tolerance=%p → %p', (ts, tolerance, reason) => {
    expect(checkTimestamp(ts, tolerance, NOW_MS)?.reason).toBe(reason);
  });

  it('compares whole seconds of now (999 ms into the next second is still that second)', () => {
    expect(checkTimestamp(NOW_S - 300, 300, NOW_MS + 999)).toBeUndefined();
    expect(checkTimestamp(NOW_S - 300, 300, NOW_MS + 1000)?.reason).toBe('stale_timestamp');
  });

  it('a NaN tolerance disables nothing dangerous: it is treated as disabled, like 0', () => {
    expect(checkTimestamp(0, Number.NaN, NOW_MS)).toBeUndefined();
  });
});

describe('headers', () => {
  it.each([
    [{ 'x-a': 'v' }, { kind: 'value', value: 'v' }],
    [{ 'X-A': 'v' }, { kind: 'value', value: 'v' }],
    [{ 'x-a': '  v  ' }, { kind: 'value', value: 'v' }],
    [{}, { kind: 'missing' }],
    [{ 'x-a': undefined }, { kind: 'missing' }],
    [{ 'x-a': '' }, { kind: 'missing' }],
    [{ 'x-a': '   ' }, { kind: 'missing' }],
    [{ 'x-a': [] }, { kind: 'missing' }],
    [{ 'x-a': ['v'] }, { kind: 'value', value: 'v' }],
    [{ 'x-a': ['v', 'v'] }, { kind: 'value', value: 'v' }],
    [{ 'x-a': ['v', 'w'] }, { kind: 'duplicate' }],
    [{ 'x-a': 'x'.repeat(MAX_SIGNATURE_HEADER_LENGTH) }, { kind: 'value', value: 'x'.repeat(MAX_SIGNATURE_HEADER_LENGTH) }],
    [{ 'x-a': 'x'.repeat(MAX_SIGNATURE_HEADER_LENGTH + 1) }, { kind: 'too_long' }],
    [{ 'x-a': 42 as never }, { kind: 'invalid' }],
    [{ 'x-a': ['v', 42] as never }, { kind: 'invalid' }],
    [{ 'x-a': null as never }, { kind: 'missing' }],
  ])('singleHeader(%j, x-a) → %j', (headers, expected) => {
    expect(singleHeader(headers, 'x-a')).toEqual(expected);
  });

  it('singleHeader prefers the exact lower-case key, then any case', () => {
    expect(singleHeader({ 'x-a': 'lower', 'X-A': 'upper' }, 'X-A')).toEqual({ kind: 'value', value: 'lower' });
  });

  it('singleHeader ignores the prototype chain', () => {
    const headers = Object.create({ 'x-a': 'inherited' }) as Record<string, string>;
    expect(singleHeader(headers, 'x-a')).toEqual({ kind: 'missing' });
    expect(singleHeader({}, 'constructor')).toEqual({ kind: 'missing' });
    expect(singleHeader({}, '__proto__')).toEqual({ kind: 'missing' });
  });

  it.each([
    [{ 'x-a': 'v' }, 'v'],
    [{ 'x-a': ['first', 'second'] }, 'first'],
    // Blank counts as absent (as in singleHeader): a blank id header named no id.
    [{ 'x-a': '' }, undefined],
    [{ 'x-a': ' \t' }, undefined],
    [{ 'x-a': ['', 'second'] }, undefined],
    [{ 'x-a': ' v ' }, ' v '],
    [{}, undefined],
    [{ 'x-a': [] }, undefined],
    [{ 'x-a': 'x'.repeat(MAX_SIGNATURE_HEADER_LENGTH + 1) }, undefined],
    [{ 'x-a': 7 as never }, undefined],
    [{ 'x-a': [7] as never }, undefined],
  ])('optionalHeader(%j, x-a) → %p', (headers, expected) => {
    expect(optionalHeader(headers, 'x-a')).toBe(expected);
  });

  it('a null header bag is treated as empty', () => {
    expect(singleHeader(null as never, 'x-a')).toEqual({ kind: 'missing' });
    expect(optionalHeader(undefined as never, 'x-a')).toBeUndefined();
  });
});

describe('timing-safe comparisons', () => {
  it.each([
    [[1, 2, 3], [1, 2, 3], true],
    [[1, 2, 3], [1, 2, 4], false],
    [[1, 2, 3], [1, 2], false],
    [[], [], true],
    [[1], [], false],
  ])('timingSafeEqualBytes(%j, %j) → %s', (a, b, equal) => {
    expect(timingSafeEqualBytes(Uint8Array.from(a), Uint8Array.from(b))).toBe(equal);
  });

  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['é', 'e\u0301', false],
    ['', '', true],
    ['token', 'token ', false],
  ])('timingSafeEqualStrings(%j, %j) → %s', (a, b, equal) => {
    expect(timingSafeEqualStrings(a, b)).toBe(equal);
  });

  it('anyTimingSafeEqual returns the index of the first matching expected digest', () => {
    const a = Uint8Array.from([1]);
    const b = Uint8Array.from([2]);
    const c = Uint8Array.from([3]);
    expect(anyTimingSafeEqual([a, b], [c, b])).toBe(1);
    expect(anyTimingSafeEqual([a, b], [a, b])).toBe(0);
    expect(anyTimingSafeEqual([a, b], [c])).toBe(-1);
    expect(anyTimingSafeEqual([], [a])).toBe(-1);
    expect(anyTimingSafeEqual([a], [])).toBe(-1);
  });
});

describe('results and errors', () => {
  it('pass and fail build the typed shapes', () => {
    expect(pass()).toEqual({ ok: true });
    expect(pass({ timestamp: 1, secretIndex: 0 })).toEqual({ ok: true, timestamp: 1, secretIndex: 0 });
    expect(fail('malformed', 'why')).toEqual({ ok: false, reason: 'malformed', detail: 'why' });
  });

  it('assertVerified throws a SignatureVerificationError carrying the reason', () => {
    expect(() => assertVerified(pass())).not.toThrow();
    let caught: unknown;
    try {
      assertVerified(fail('stale_timestamp', 'too old'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SignatureVerificationError);
    expect(caught).toMatchObject({ name: 'SignatureVerificationError', reason: 'stale_timestamp', message: 'stale_timestamp: too old' });
  });
});
