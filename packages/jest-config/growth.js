// Work bounds without wall-clock limits: time the same function on input n and 8n and compare.
// Linear code takes about 8x as long, quadratic about 64x. A slow or busy box slows both runs
// alike; each size is timed several times, interleaved, and the fastest run counts. The bound
// sits between the two with a wide margin each way (GC and cache effects on big strings, and
// other processes on a 2-core box, put linear code at up to ~2x its ideal ratio).

/** Growth factor of the input between the two measurements. */
export const GROWTH = 8;
/** Largest time ratio accepted for GROWTH times the input: linear is ~8, quadratic ~64. */
export const MAX_RATIO = 24;
/** Size of the adversarial input every bounded function must also get through once: 1 MiB. */
export const ONE_MIB = 1024 * 1024;

function fastest(run, repeats) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

/**
 * Times `work(make(n))` against `work(make(GROWTH * n))`. n starts at `minN` and doubles until the
 * small run takes at least `floorMs` (timer noise drowns shorter runs), up to `maxN`.
 */
export function measureGrowth(make, work, { minN = 8 * 1024, maxN = 512 * 1024, floorMs = 2 } = {}) {
  work(make(1024)); // warm up (JIT, regex compilation)
  let n = minN;
  let small = make(n);
  while (fastest(() => work(small), 2) < floorMs && n * 2 <= maxN) {
    n *= 2;
    small = make(n);
  }
  const large = make(n * GROWTH);
  let smallMs = Number.POSITIVE_INFINITY;
  let largeMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    smallMs = Math.min(smallMs, fastest(() => work(small), 1));
    largeMs = Math.min(largeMs, fastest(() => work(large), 1));
  }
  return { n, smallMs, largeMs, ratio: largeMs / Math.max(smallMs, 0.05) };
}

/**
 * Throws unless the work grows about linearly with the input, then runs it once on `make(1 MiB)`.
 * Sizes start small, so quadratic code fails on the ratio in seconds instead of hanging on the
 * big input. A ratio over the bound is measured again (up to three times) before it fails, so
 * one burst of load on a shared box cannot fail it.
 */
export function assertLinear(label, make, work, options) {
  let measure = measureGrowth(make, work, options);
  for (let retry = 0; retry < 2 && measure.ratio >= MAX_RATIO; retry++) measure = measureGrowth(make, work, options);
  if (measure.ratio >= MAX_RATIO) {
    throw new Error(`${label}: ${GROWTH}x the input took ${measure.ratio.toFixed(1)}x the time (bound ${MAX_RATIO}): ${JSON.stringify(measure)}`);
  }
  work(make(ONE_MIB));
  return measure;
}
