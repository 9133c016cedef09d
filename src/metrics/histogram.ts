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

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const ms = (us: number): number => us / 1_000;
    return {
      count: h.totalCount,
      avg: ms(h.mean),
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p95: ms(h.getValueAtPercentile(95)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
    };
  }

  /** The standard compressed base64 HDR form; decode with hdr-histogram-js `decodeFromCompressedBase64`. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  reset(): void {
    this.histogram.reset();
  }
}
