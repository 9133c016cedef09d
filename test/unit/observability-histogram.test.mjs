/**
 * LatencyHistogram: its one-pass summary() must agree with hdr-histogram-js's
 * own getValueAtPercentile on the encoded form, so metrics() and
 * exportHistograms() never tell two stories.
 */
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_US, highestUsAt, indexOfUs, lowestUsAt, medianUsAt } from '../../dist/src/metrics/hdr-layout.js';
import { LatencyHistogram } from '../../dist/src/metrics/histogram.js';
import { prng } from '../helpers.mjs';

const PERCENTILES = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 };

function expectAgrees(h) {
  const decoded = hdr.decodeFromCompressedBase64(h.encode());
  const s = h.summary();
  expect(s.count).toBe(decoded.totalCount);
  expect(s.count).toBe(h.count);
  for (const [key, p] of Object.entries(PERCENTILES)) {
    expect(s[key], key).toBe(decoded.getValueAtPercentile(p) / 1_000);
    expect(h.percentileMs(p), key).toBe(s[key]);
  }
  expectMaxMatches(s, decoded);
  return s;
}

/**
 * The live histogram knows the exact maximum; a decoded one only its bucket,
 * so its maxValue is that bucket's highest equivalent value (within 0.1%).
 */
function expectMaxMatches(s, decoded) {
  expect(decoded.maxValue / 1_000).toBeGreaterThanOrEqual(s.max);
  expect(decoded.maxValue / 1_000).toBeLessThanOrEqual(s.max * 1.001 + 0.001);
}

describe('LatencyHistogram', () => {
  it('an empty histogram summarises to zeros and encodes to an empty histogram', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toEqual({ count: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
    expect(h.percentileMs(99)).toBe(0);
    expect(hdr.decodeFromCompressedBase64(h.encode()).totalCount).toBe(0);
  });

  for (const seed of [1, 7, 42]) {
    it(`p50 to p99 equal hdr-histogram-js getValueAtPercentile on random latencies (seed ${seed})`, () => {
      const random = prng(seed);
      const h = new LatencyHistogram();
      for (let i = 0; i < 1_999; i++) {
        // Mostly sub-millisecond, a tail up to seconds: the shape of a pool's assignment latency.
        const r = random();
        h.recordMs(r < 0.9 ? r * 0.8 : r * r * 4_000);
      }
      const decoded = hdr.decodeFromCompressedBase64(h.encode());
      const s = h.summary();
      expect(s.count).toBe(decoded.totalCount);
      expect(s.count).toBe(1_999);
      for (const [key, p] of Object.entries(PERCENTILES)) {
        if (p > 99) continue; // p999 sits next to the maximum here: see the two tests below
        expect(s[key], key).toBe(decoded.getValueAtPercentile(p) / 1_000);
        expect(h.percentileMs(p), key).toBe(s[key]);
      }
      expectMaxMatches(s, decoded);
      expect(s.p50).toBeLessThanOrEqual(s.p90);
      expect(s.p90).toBeLessThanOrEqual(s.p95);
      expect(s.p95).toBeLessThanOrEqual(s.p99);
      expect(s.p99).toBeLessThanOrEqual(s.p999);
      // Percentiles are bucket edges, not capped at the exact maximum: at most 0.1% above it.
      expect(s.p999).toBeLessThanOrEqual(s.max * 1.001 + 0.001);
    });
  }

  // The issue asks that the exported histogram decode to the same p99 as metrics()
  // reports. When a percentile falls in the bucket that holds the maximum,
  // hdr-histogram-js reports that bucket's highest equivalent value.
  it('a percentile in the top bucket equals hdr-histogram-js getValueAtPercentile (one value)', () => {
    const h = new LatencyHistogram();
    h.recordMs(12.345);
    const s = expectAgrees(h);
    expect(s.max).toBe(12.345); // the exact maximum
    expect(s.p50).toBeGreaterThanOrEqual(s.max); // the bucket edge, as a decoded histogram reports it
  });

  // Rank at 99.9% of 1,000 values: hdr-histogram-js rounds (99.9 / 100) * 1000 =
  // 999.0000000000001 to 999, guarding against the floating-point ulp.
  it('p999 of 1,000 values equals hdr-histogram-js getValueAtPercentile(99.9)', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1_000; ms++) h.recordMs(ms);
    const decoded = hdr.decodeFromCompressedBase64(h.encode());
    expect(h.summary().p999).toBe(decoded.getValueAtPercentile(99.9) / 1_000);
  });

  it('the average is the mean of what was recorded, within HDR precision', () => {
    const h = new LatencyHistogram();
    for (const ms of [10, 20, 30, 40]) h.recordMs(ms);
    expect(h.summary().avg).toBeCloseTo(25, 1);
  });

  it('negative durations (clock skew) are recorded as 0', () => {
    const h = new LatencyHistogram();
    h.recordMs(-5);
    expect(h.summary()).toMatchObject({ count: 1, max: 0 });
  });

  it('reset() empties it', () => {
    const h = new LatencyHistogram();
    h.recordMs(3);
    h.reset();
    expect(h.summary().count).toBe(0);
  });
});

describe('the HDR bucket layout the histogram records into', () => {
  // The same layout hdr-histogram-js builds for a 1 us floor and 3 significant digits.
  const reference = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 2 ** 44, numberOfSignificantValueDigits: 3, bitBucketSize: 32 });

  it('puts every value in the count hdr-histogram-js puts it in, and reads each count back as the library does', () => {
    const h = reference();
    const random = prng(5);
    const values = [0, 1, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, MAX_TRACKED_US];
    for (let i = 0; i < 4_000; i++) values.push(Math.floor(2 ** (random() * 43)));
    for (const us of values) {
      const index = indexOfUs(us);
      expect(index, `index of ${us}`).toBe(h.countsArrayIndex(us));
      expect(lowestUsAt(index), `lowest of ${us}`).toBe(h.valueFromIndex(index));
      expect(highestUsAt(index), `highest of ${us}`).toBe(h.highestEquivalentValue(us));
      expect(medianUsAt(index), `median of ${us}`).toBe(h.medianEquivalentValue(us));
    }
  });

  it('a latency past the first 16 ms of counts and past an hour still summarises and encodes exactly', () => {
    const h = new LatencyHistogram();
    for (const ms of [0.004, 3, 17, 250, 9_000, 4_000_000]) h.recordMs(ms);
    const s = expectAgrees(h);
    expect(s.max).toBe(4_000_000);
    expect(s.count).toBe(6);
  });

  it('merging two histograms adds their counts and keeps the larger exact maximum', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.recordMs(1);
    b.recordMs(40);
    b.recordMs(2);
    const m = LatencyHistogram.merged(a, b);
    expect(expectAgrees(m)).toMatchObject({ count: 3, max: 40 });
    expect(a.count).toBe(1);
  });
});
