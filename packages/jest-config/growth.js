// Work bounds without wall-clock limits: measure the same function on input n and 8n and compare.
// Linear code takes about 8x as long, quadratic about 64x. What is measured is this process's CPU
// time, not the wall clock: on a busy 2-core box a long run is preempted more often than a short
// one, which inflated wall-clock ratios of linear code to 50x. Each size runs several times,
// interleaved, and the fastest counts; the bound sits between linear and quadratic with a wide
// margin each way (GC and cache effects on big strings put linear code at up to ~2x its ideal).

/** Growth factor of the input between the two measurements. */
export const GROWTH = 8;
/** Largest time ratio accepted for GROWTH times the input: linear is ~8, quadratic ~64. */
export const MAX_RATIO = 24;
/** Size of the adversarial input every bounded function must also get through once: 1 MiB. */
export const ONE_MIB = 1024 * 1024;

/** CPU time of this process in ms: unlike the wall clock, it does not grow while other processes hold the cores. */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function fastest(run, repeats) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const start = cpuMs();
    run();
    best = Math.min(best, cpuMs() - start);
  }
  return best;
}

/**
 * Times `work(make(n))` against `work(make(GROWTH * n))`. n starts at `minN` and doubles until the
 * small run takes at least `floorMs` (timer noise drowns shorter runs), up to `maxN`.
 */
export function measureGrowth(make, work, { minN = 8 * 1024, maxN = 1024 * 1024, floorMs = 2 } = {}) {
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
    smallMs = Math.min(
      smallMs,
      fastest(() => work(small), 1),
    );
    largeMs = Math.min(
      largeMs,
      fastest(() => work(large), 1),
    );
  }
  return { n, smallMs, largeMs, ratio: largeMs / Math.max(smallMs, 0.05) };
}

/**
 * Throws unless the work grows about linearly with the input, then runs it once on `make(1 MiB)`.
 * Sizes start small, so quadratic code fails on the ratio in seconds instead of hanging on the
 * big input. A ratio just over the bound is measured again (up to three times, the lowest
 * counts) before it fails, so one burst of load on a shared box cannot fail it.
 */
export function assertLinear(label, make, work, options) {
  let measure = measureGrowth(make, work, options);
  // Only a borderline ratio is measured again: twice the bound is super-linear beyond doubt.
  for (let retry = 0; retry < 2 && measure.ratio >= MAX_RATIO && measure.ratio < 2 * MAX_RATIO; retry++) {
    const again = measureGrowth(make, work, options);
    if (again.ratio < measure.ratio) measure = again;
  }
  if (measure.ratio >= MAX_RATIO) {
    throw new Error(`${label}: ${GROWTH}x the input took ${measure.ratio.toFixed(1)}x the time (bound ${MAX_RATIO}): ${JSON.stringify(measure)}`);
  }
  work(make(ONE_MIB));
  return measure;
}
