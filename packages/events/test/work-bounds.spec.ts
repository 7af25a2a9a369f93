// Every regex and trim in this package that sees provider input, fed adversarial inputs of up to
// and past 1 MiB: the work must grow linearly (issue 12 item 1: `/^_+|_+$/g` took quadratic time
// on `a___…___b`, and one generic-webhook request blocked the gateway's event loop for > 30 s).
import { describe, expect, it } from '@jest/globals';
import { eventTypeName, isId, isValidEventTypeName, parseBody, parseRetryAfter, parseUnixSeconds, sanitizeSegment } from '../src/index.js';
import { assertLinear, ONE_MIB } from '@switchyard/jest-config/growth';

const enc = (s: string) => new TextEncoder().encode(s);

/** The worst inputs for a trim-and-replace of a name: runs that almost end, runs of separators. */
const NAME_SHAPES: Record<string, (n: number) => string> = {
  'a + underscores + b': (n) => `a${'_'.repeat(n)}b`,
  'underscores + b': (n) => `${'_'.repeat(n)}b`,
  'a + underscores': (n) => `a${'_'.repeat(n)}`,
  'a + punctuation + b': (n) => `a${'!'.repeat(n)}b`,
  'a + "_!" pairs + b': (n) => `a${'_!'.repeat(n / 2)}b`,
  'a + spaces + b': (n) => `a${' '.repeat(n)}b`,
  'spaces + a + spaces': (n) => `${' '.repeat(n / 2)}a${' '.repeat(n / 2)}`,
  dots: (n) => '.'.repeat(n),
  'a + dots + b': (n) => `a${'.'.repeat(n)}b`,
  '"a." pairs': (n) => 'a.'.repeat(n / 2),
  slashes: (n) => '/'.repeat(n),
  'surrogate pairs': (n) => '😀'.repeat(n / 2),
};

describe('sanitizeSegment and eventTypeName: linear work on adversarial names', () => {
  it.each(Object.entries(NAME_SHAPES))('sanitizeSegment: %s', (_label, make) => {
    assertLinear('sanitizeSegment', make, (s) => sanitizeSegment(s));
  });

  it.each(Object.entries(NAME_SHAPES))('eventTypeName: %s', (_label, make) => {
    assertLinear('eventTypeName', make, (s) => eventTypeName('generic-webhook', s));
  });

  it('the 200,000-underscore type of the report becomes a short valid name at once', () => {
    const type = eventTypeName('generic-webhook', `a${'_'.repeat(200_000)}b`);
    expect(type).toBe(`generic-webhook.a${'_'.repeat(99)}`);
    expect(isValidEventTypeName(type)).toBe(true);
    expect(eventTypeName('generic-webhook', `a${'_'.repeat(ONE_MIB)}`)).toBe('generic-webhook.a');
  });
});

describe('parsers of provider and receiver input', () => {
  it('body sniffing on whitespace that never reaches a bracket', () => {
    assertLinear(
      'sniff',
      (n) => enc(`${' \t\r\n'.repeat(n / 4)}x`),
      (bytes) => parseBody(bytes, undefined),
    );
    assertLinear(
      'sniff',
      (n) => enc(`${' '.repeat(n)}{`),
      (bytes) => parseBody(bytes, 'application/octet-stream'),
    );
  });

  it('content types with long parameters', () => {
    assertLinear(
      'content-type',
      (n) => `application/json${'; a=b'.repeat(n / 6)}`,
      (type) => parseBody(enc('{}'), type),
    );
  });

  it('unix timestamps (/^\\d{1,12}$/ after a trim) and Retry-After (receiver headers)', () => {
    assertLinear(
      'parseUnixSeconds',
      (n) => `${' '.repeat(n)}1${' '.repeat(n)}x`,
      (s) => parseUnixSeconds(s),
    );
    assertLinear(
      'parseUnixSeconds digits',
      (n) => '1'.repeat(n),
      (s) => parseUnixSeconds(s),
    );
    assertLinear(
      'parseRetryAfter',
      (n) => `Mon, ${'0'.repeat(n)}`,
      (s) => parseRetryAfter(s, 0),
    );
    assertLinear(
      'parseRetryAfter spaces',
      (n) => `${' '.repeat(n)}1 x`,
      (s) => parseRetryAfter(s, 0),
    );
  });

  it('ids (/^([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}$/)', () => {
    assertLinear(
      'isId',
      (n) => `${'a'.repeat(n)}!`,
      (s) => isId('msg', s),
    );
    assertLinear(
      'isId',
      (n) => `msg_${'A'.repeat(n)}`,
      (s) => isId('msg', s),
    );
  });
});
