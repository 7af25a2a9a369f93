import { describe, expect, it } from '@jest/globals';
import { bullKeyPrefix, hasHashTag } from '../src/index.js';

describe('bullKeyPrefix: the hash tag of every Bull key', () => {
  it('wraps QUEUE_PREFIX in braces, so a queue keeps all its keys in one cluster slot', () => {
    expect(bullKeyPrefix('switchyard')).toBe('{switchyard}');
    expect(bullKeyPrefix('sy-test-a:b')).toBe('{sy-test-a:b}');
  });

  it('keeps a prefix that already holds a hash tag as it is', () => {
    expect(bullKeyPrefix('{sw}')).toBe('{sw}');
    expect(bullKeyPrefix('prod:{sw}')).toBe('prod:{sw}');
    // Braces with nothing between are no tag for the cluster: they get wrapped.
    expect(bullKeyPrefix('a{}b')).toBe('{a{}b}');
  });

  it('tells a hash tag as Redis Cluster does: the first { and the first } after it, not empty', () => {
    expect(hasHashTag('{a}')).toBe(true);
    expect(hasHashTag('x{a}y')).toBe(true);
    expect(hasHashTag('{}a}')).toBe(false);
    expect(hasHashTag('}a{')).toBe(false);
    expect(hasHashTag('plain')).toBe(false);
  });
});
