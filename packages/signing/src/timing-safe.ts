import { timingSafeEqual } from 'node:crypto';

/** Compares two byte strings in time that depends only on the expected length. */
export function timingSafeEqualBytes(expected: Uint8Array, actual: Uint8Array): boolean {
  if (expected.length !== actual.length) {
    // Burn the same work as a real comparison so a length mismatch is not measurably faster.
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, actual);
}

/** Compares two strings (as UTF-8) in constant time with respect to their content. */
export function timingSafeEqualStrings(expected: string, actual: string): boolean {
  return timingSafeEqualBytes(Buffer.from(expected, 'utf8'), Buffer.from(actual, 'utf8'));
}

/** True when any candidate equals any expected digest; every pair is compared, no early exit. */
export function anyTimingSafeEqual(expected: readonly Uint8Array[], candidates: readonly Uint8Array[]): number {
  let matched = -1;
  for (let i = 0; i < expected.length; i++) {
    for (const candidate of candidates) {
      if (timingSafeEqualBytes(expected[i]!, candidate) && matched === -1) matched = i;
    }
  }
  return matched;
}
