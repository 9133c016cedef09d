import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../types.js';
import { MAX_COUNTS, highestUsAt, indexOfUs, latencyUs, lowestUsAt, medianUsAt } from './hdr-layout.js';

/** Counts held from the start: every value below 16 ms (5,120 counts, 40 KB); the array grows for longer ones. */
const INITIAL_COUNTS = indexOfUs(16_383) + 1;

/**
 * A latency histogram: recorded in whole microseconds (HDR needs integers and a
 * sub-millisecond floor matters for an in-process pool), reported in ms.
 *
 * Recording is an index computation and one array increment in the HDR
 * layout (hdr-layout.ts); hdr-histogram-js's own recordValue cost about
 * 110 ns a call, and a task makes nine of them on the main thread. The
 * library's form is built only when the histogram is exported.
 */
export class LatencyHistogram {
  #counts = new Float64Array(INITIAL_COUNTS);
  #total = 0;
  /** The exact largest value recorded; the buckets know it only to 0.1%. */
  #maxUs = 0;
  /** One past the highest index with a count: walks stop there. */
  #top = 0;

  recordMs(durationMs: number): void {
    const us = latencyUs(durationMs);
    this.addAt(indexOfUs(us), 1, us);
  }

  /**
   * Adds `count` values at one index (counts recorded elsewhere, by an agent).
   * `maxUs` is the largest of them when known; else the index's lowest value,
   * the most a bucket tells.
   */
  addAt(index: number, count: number, maxUs = lowestUsAt(index)): void {
    if (index >= this.#counts.length) this.#grow(index + 1);
    (this.#counts[index] as number) += count;
    this.#total += count;
    if (maxUs > this.#maxUs) this.#maxUs = maxUs;
    if (index >= this.#top) this.#top = index + 1;
  }

  /**
   * The exact maximum of values added with addAt, clamped to the highest
   * bucket held: a maximum read a moment after its counts may belong to a
   * value whose count comes with the next read.
   */
  noteMaxUs(us: number): void {
    if (this.#top === 0) return;
    const clamped = Math.min(us, highestUsAt(this.#top - 1));
    if (clamped > this.#maxUs) this.#maxUs = clamped;
  }

  get count(): number {
    return this.#total;
  }

  percentileMs(percentile: number): number {
    if (this.#total === 0) return 0;
    const wanted = countAtPercentile(percentile, this.#total);
    const counts = this.#counts;
    let cumulative = 0;
    for (let i = 0; i < this.#top; i++) {
      cumulative += counts[i] as number;
      // p0 is the lowest value recorded, every other percentile a bucket's top (as hdr-histogram-js reports them).
      if (cumulative >= wanted) return (percentile === 0 ? lowestUsAt(i) : highestUsAt(i)) / 1_000;
    }
    return this.#maxUs / 1_000;
  }

  /** All percentiles in one pass over the counts. */
  summary(): LatencySummary {
    const total = this.#total;
    if (total === 0) return { count: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const wanted = [50, 90, 95, 99, 99.9];
    const found: number[] = [];
    const counts = this.#counts;
    let cumulative = 0;
    let sumUs = 0;
    for (let i = 0; i < this.#top; i++) {
      const count = counts[i] as number;
      if (count === 0) continue;
      cumulative += count;
      sumUs += count * medianUsAt(i);
      while (found.length < wanted.length && cumulative >= countAtPercentile(wanted[found.length] ?? 100, total)) {
        found.push(highestUsAt(i));
      }
    }
    // Percentiles are bucket edges, not capped at max: they equal what a reader of the exported histogram computes.
    const ms = (us: number | undefined): number => (us ?? this.#maxUs) / 1_000;
    return { count: total, avg: sumUs / total / 1_000, p50: ms(found[0]), p90: ms(found[1]), p95: ms(found[2]), p99: ms(found[3]), p999: ms(found[4]), max: this.#maxUs / 1_000 };
  }

  /** The standard compressed base64 HDR form; decode with hdr-histogram-js `decodeFromCompressedBase64`. */
  encode(): string {
    const out = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000, // one hour in us; autoResize covers anything longer
      numberOfSignificantValueDigits: 3,
      autoResize: true,
    });
    const counts = this.#counts;
    for (let i = 0; i < this.#top; i++) {
      const count = counts[i] as number;
      if (count > 0) out.recordValueWithCount(lowestUsAt(i), count);
    }
    return hdr.encodeIntoCompressedBase64(out);
  }

  reset(): void {
    this.#counts.fill(0, 0, this.#top);
    this.#total = 0;
    this.#maxUs = 0;
    this.#top = 0;
  }

  /** Adds every count of `other` into this one. */
  addAll(other: LatencyHistogram): void {
    if (other.#total === 0) return;
    if (other.#top > this.#counts.length) this.#grow(other.#top);
    const mine = this.#counts;
    const theirs = other.#counts;
    for (let i = 0; i < other.#top; i++) (mine[i] as number) += theirs[i] as number;
    this.#total += other.#total;
    this.#maxUs = Math.max(this.#maxUs, other.#maxUs);
    this.#top = Math.max(this.#top, other.#top);
  }

  /** A new histogram holding both sets of counts. */
  static merged(a: LatencyHistogram, b: LatencyHistogram): LatencyHistogram {
    const out = new LatencyHistogram();
    out.addAll(a);
    out.addAll(b);
    return out;
  }

  #grow(needed: number): void {
    const length = Math.min(MAX_COUNTS, Math.max(needed, this.#counts.length * 2));
    const counts = new Float64Array(length);
    counts.set(this.#counts);
    this.#counts = counts;
  }
}

/**
 * The count a percentile must reach, by hdr-histogram-js's getValueAtPercentile
 * rule: round up, but first take one ulp off, so floating-point error in
 * `percentile / 100 * total` cannot skip a count (99.9% of 1,000 is 999, not 1,000).
 */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  return Math.max(1, Math.ceil(fp - ulp(fp)));
}

/** Distance from x to the next double away from zero (x finite). */
function ulp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  return 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);
}
