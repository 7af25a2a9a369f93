// The fuzz targets stay runnable and green in `pnpm test`: each replays every input kept under
// fuzz/regressions/<target>/ (each one a crash pnpm fuzz found, fixed since) and fuzz/corpus/<target>/,
// then a few thousand deterministic random inputs. Long runs are `pnpm fuzz`'s job.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const HERE = fileURLToPath(new URL('..', import.meta.url));
const TARGETS = readdirSync(join(HERE, 'targets'))
  .filter((f) => f.endsWith('.fuzz.mjs'))
  .map((f) => f.replace(/\.fuzz\.mjs$/, ''))
  .sort();
const RANDOM_INPUTS = Number(process.env.FUZZ_SMOKE_INPUTS ?? 1500);

function files(dir) {
  try {
    return readdirSync(dir)
      .filter((f) => !f.startsWith('.'))
      .map((f) => [f, readFileSync(join(dir, f))]);
  } catch {
    return [];
  }
}

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz targets', () => {
  it('there is one per surface of issue 12 item 9', () => {
    expect(TARGETS).toEqual(['body-parsers', 'event-types', 'normalizers', 'provider-round-trip', 'standard-webhooks', 'verify-providers']);
  });

  it.each(TARGETS)('%s: every kept regression input passes', async (target) => {
    const { fuzz } = await import(join(HERE, 'targets', `${target}.fuzz.mjs`));
    for (const [name, input] of [...files(join(HERE, 'regressions', target)), ...files(join(HERE, 'corpus', target))]) {
      try {
        fuzz(input);
      } catch (error) {
        throw new Error(`${target}/${name} fails again: ${error?.stack ?? error}`);
      }
    }
  });

  it.each(TARGETS)(`%s: ${RANDOM_INPUTS} random inputs keep every invariant`, async (target) => {
    const { fuzz } = await import(join(HERE, 'targets', `${target}.fuzz.mjs`));
    const random = prng(0x5eed ^ target.length);
    for (let i = 0; i < RANDOM_INPUTS; i++) {
      const input = Buffer.alloc(Math.floor(random() * (random() < 0.1 ? 4096 : 160)));
      for (let j = 0; j < input.length; j++) input[j] = Math.floor(random() * 256);
      try {
        fuzz(input);
      } catch (error) {
        throw new Error(`${target}: input ${input.toString('base64')} broke it: ${error?.stack ?? error}`);
      }
    }
  });
});
