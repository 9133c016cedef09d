// Small statistics helpers: medians with min-max across rounds, and HDR histograms in microseconds.
import * as hdr from 'hdr-histogram-js';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, min and max of one figure's per-round values (non-finite values are dropped). */
export function spread(values) {
  const xs = values.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return undefined;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), values: xs };
}

/** A histogram of microseconds: 1 us to 10 minutes, 3 significant digits. */
export function usHistogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordUs(histogram, us) {
  histogram.recordValue(Math.min(600_000_000, Math.max(1, Math.round(us))));
}

/** Percentiles (us) of a histogram plus its encoded form, then frees it. */
export function closeHistogram(histogram) {
  const out = {
    count: histogram.totalCount,
    p50Us: histogram.getValueAtPercentile(50),
    p90Us: histogram.getValueAtPercentile(90),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    maxUs: histogram.maxValue,
    meanUs: histogram.mean,
    hdr: hdr.encodeIntoCompressedBase64(histogram),
  };
  histogram.destroy();
  return out;
}

/** Exact percentile of a small sample (nearest rank), for fault figures with a handful of samples. */
export function percentile(xs, p) {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
