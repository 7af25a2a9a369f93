import { describe, expect, it } from '@jest/globals';
import { consistently, eventually, until } from '../src/index.js';

describe('eventually', () => {
  it('answers the value once the check passes', async () => {
    let n = 0;
    const value = await eventually(
      () => {
        n++;
        if (n < 3) throw new Error(`not yet (${n})`);
        return n;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it("throws the check's last error when the time is up", async () => {
    let n = 0;
    await expect(
      eventually(
        () => {
          n++;
          throw new Error(`still failing (${n})`);
        },
        { timeoutMs: 50, intervalMs: 5 },
      ),
    ).rejects.toThrow(/still failing \(\d+\)/);
    expect(n).toBeGreaterThan(2);
  });
});

describe('consistently', () => {
  it('passes when the check holds for the whole period, and ran more than once', async () => {
    let runs = 0;
    const started = Date.now();
    await consistently(
      () => {
        runs++;
        expect(true).toBe(true);
      },
      { forMs: 60, intervalMs: 5 },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(runs).toBeGreaterThan(2);
  });

  it('throws as soon as the check fails, before the period ends', async () => {
    let value = 0;
    setTimeout(() => (value = 1), 20);
    const started = Date.now();
    await expect(consistently(() => expect(value).toBe(0), { forMs: 2_000, intervalMs: 5 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('until', () => {
  it('answers the first truthy value, treating a throw as not yet', async () => {
    let n = 0;
    const got = await until(
      'the third try',
      () => {
        n++;
        if (n === 1) throw new Error('boom');
        return n >= 3 ? `got ${n}` : false;
      },
      { intervalMs: 1 },
    );
    expect(got).toBe('got 3');
  });

  it('names what it waited for when the time is up', async () => {
    await expect(until('a value that never comes', () => false, { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow('timed out waiting for a value that never comes');
  });
});
