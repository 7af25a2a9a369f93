import { describe, expect, it } from 'vitest';
import { trimSlashes } from './router';

describe('trimSlashes', () => {
  it('strips leading and trailing slashes only', () => {
    expect(trimSlashes('/endpoints/ep_1/')).toBe('endpoints/ep_1');
    expect(trimSlashes('///')).toBe('');
    expect(trimSlashes('logs')).toBe('logs');
    expect(trimSlashes(`/${'/'.repeat(100_000)}x`)).toBe('x');
  });
});
