import { describe, expect, it } from '@jest/globals';
import { idAtTime, newId } from '@switchyard/events';
import { timeOfId } from './id-time.js';

describe('timeOfId', () => {
  it('reads back the time idAtTime encodes', () => {
    for (const t of [0, 1, 1_764_288_000_123, 2 ** 48 - 1]) expect(timeOfId(idAtTime('msg', new Date(t))).getTime()).toBe(t);
  });

  it('is the moment a new id was made', () => {
    const before = Date.now();
    const id = newId('msg');
    const t = timeOfId(id).getTime();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
