// Small statistics: medians with their range, exact percentiles of recorded samples.

/** Median of numbers (NaN-free). */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** { median, min, max, runs } of repeated measurements. */
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return { median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN, runs: values };
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array. */
export function percentileSorted(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p90/p99/max of latency samples (ms). */
export function latencyPercentiles(samples) {
  const s = Float64Array.from(samples).sort();
  return {
    count: s.length,
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
    max: s.length ? s[s.length - 1] : NaN,
  };
}

/** Rounds for display: integers above 100, one decimal above 10, two below. */
export function fmt(x, unit = '') {
  if (!Number.isFinite(x)) return 'n/a';
  const r = Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
  return unit ? `${r} ${unit}` : r;
}

/** "median (min–max)". */
export function fmtRange(s, unit = '') {
  if (!s || !Number.isFinite(s.median)) return 'n/a';
  if (s.runs.length < 2) return fmt(s.median, unit);
  return `${fmt(s.median, unit)} (${fmt(s.min)}–${fmt(s.max)})`;
}
