import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../types.js';

/**
 * A latency histogram: recorded in whole microseconds (HDR needs integers and a
 * sub-millisecond floor matters for an in-process pool), reported in ms.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000, // one hour in us; autoResize covers anything longer
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });

  recordMs(durationMs: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(durationMs * 1_000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentileMs(percentile: number): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.getValueAtPercentile(percentile) / 1_000;
  }

  /**
   * All percentiles in one pass over the buckets. getValueAtPercentile walks
   * the counts array from the start each call; seven calls per histogram made
   * metrics() cost milliseconds on a busy pool.
   */
  summary(): LatencySummary {
    const h = this.histogram as unknown as WalkableHistogram;
    const total = h.totalCount;
    if (total === 0) return { count: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const wanted = [50, 90, 95, 99, 99.9];
    const found: number[] = [];
    let cumulative = 0;
    let sumUs = 0;
    // One walk over the counts (about 0.2 ms): the library's `mean` getter alone runs a far slower iterator.
    for (let i = 0; i < h.countsArrayLength; i++) {
      const count = h.getCountAtIndex(i);
      if (count === 0) continue;
      const valueUs = h.valueFromIndex(i);
      cumulative += count;
      sumUs += count * h.medianEquivalentValue(valueUs);
      while (found.length < wanted.length && cumulative >= countAtPercentile(wanted[found.length] ?? 100, total)) {
        found.push(h.highestEquivalentValue(valueUs));
      }
      if (cumulative === total) break;
    }
    // Not capped at max: the figures must equal what a reader of the exported histogram computes.
    const ms = (us: number | undefined): number => (us ?? h.maxValue) / 1_000;
    return { count: total, avg: sumUs / total / 1_000, p50: ms(found[0]), p90: ms(found[1]), p95: ms(found[2]), p99: ms(found[3]), p999: ms(found[4]), max: h.maxValue / 1_000 };
  }

  /** The standard compressed base64 HDR form; decode with hdr-histogram-js `decodeFromCompressedBase64`. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  reset(): void {
    this.histogram.reset();
  }

  /** Adds every count of `other` into this one. */
  addAll(other: LatencyHistogram): void {
    if (other.histogram.totalCount > 0) this.histogram.add(other.histogram);
  }

  /** A new histogram holding both sets of counts. */
  static merged(a: LatencyHistogram, b: LatencyHistogram): LatencyHistogram {
    const out = new LatencyHistogram();
    out.addAll(a);
    out.addAll(b);
    return out;
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

/** The parts of hdr-histogram-js's JsHistogram that a one-pass summary needs (not in its public typings). */
interface WalkableHistogram {
  totalCount: number;
  maxValue: number;
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
}
