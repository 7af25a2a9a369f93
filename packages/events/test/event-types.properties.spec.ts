// Property tests: the linear sanitizer gives exactly what the former regex version gave (kept
// here as the oracle, fine on short inputs), and every produced name is a valid Svix name.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { eventTypeName, isValidEventTypeName, MAX_EVENT_TYPE_LENGTH, sanitizeSegment } from '../src/index.js';

/** The implementation before issue 12: correct, but quadratic on `a___…___b`. */
function oracleSanitizeSegment(segment: string): string {
  const cleaned = segment
    .trim()
    .replace(/[^A-Za-z0-9\-_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 100) : 'unknown';
}

function oracleEventTypeName(sourceType: string, ...names: (string | undefined | null)[]): string {
  const segments = [sourceType];
  for (const name of names) {
    if (name === undefined || name === null || name === '') continue;
    for (const piece of String(name).split(/[./]/)) {
      if (piece !== '') segments.push(oracleSanitizeSegment(piece));
    }
  }
  // Since pnpm fuzz found bare source types (`twilio` for a type of "" or "."): never without a segment.
  if (segments.length === 1) segments.push('unknown');
  return segments.join('.').slice(0, MAX_EVENT_TYPE_LENGTH);
}

/** Strings built from the characters that matter here: name characters, separators, spaces, the rest. */
const nameLike = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', '-', '_', '_', '.', '/', ' ', '\t', '!', 'é', '😀', '\u00a0', '\u0000'),
  maxLength: 300,
});
const anyText = fc.oneof(nameLike, fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 200 }));
const RUNS = { numRuns: 1000 };

describe('sanitizeSegment (properties)', () => {
  it('equals the former regex implementation', () => {
    fc.assert(
      fc.property(anyText, (s) => sanitizeSegment(s) === oracleSanitizeSegment(s)),
      RUNS,
    );
  });

  it('gives 1 to 100 name characters, never starting with _', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const out = sanitizeSegment(s);
        return out.length >= 1 && out.length <= 100 && /^[A-Za-z0-9-][A-Za-z0-9\-_]*$/.test(out);
      }),
      RUNS,
    );
  });

  it('keeps clean segments, long runs included', () => {
    expect(sanitizeSegment(`a${'_'.repeat(150)}b`)).toBe(oracleSanitizeSegment(`a${'_'.repeat(150)}b`));
    expect(sanitizeSegment(`${'x'.repeat(99)}!!b`)).toBe(`${'x'.repeat(99)}_`);
    expect(sanitizeSegment(`${'x'.repeat(99)}_!b`)).toBe(`${'x'.repeat(99)}_`);
    expect(sanitizeSegment(`${'x'.repeat(100)}!!b`)).toBe('x'.repeat(100));
  });
});

describe('eventTypeName (properties)', () => {
  const names = fc.array(fc.option(anyText, { nil: undefined }), { maxLength: 4 });

  it('equals the former implementation and is always a valid event type name', () => {
    fc.assert(
      fc.property(fc.constantFrom('github', 'generic-webhook', 'hmac', 'shopify'), names, (source, parts) => {
        const name = eventTypeName(source, ...parts);
        return name === oracleEventTypeName(source, ...parts) && isValidEventTypeName(name) && name.startsWith(`${source}.`);
      }),
      RUNS,
    );
  });

  it('stops at 256 characters like the former one when the pieces are long', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '.', '/', '_'), minLength: 100, maxLength: 400 }), { minLength: 1, maxLength: 4 }), (parts) => {
        return eventTypeName('hmac', ...parts) === oracleEventTypeName('hmac', ...parts);
      }),
      { numRuns: 100 },
    );
  });
});
