/**
 * The `.hgrm` file: HdrHistogram's classic percentile-distribution text (what
 * `outputPercentileDistribution` prints, and what the HdrHistogram plotter and
 * similar tools read) of assignment latency, with values in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';

/** Five ticks per half distance to 100%: HdrHistogram's own default. */
const TICKS_PER_HALF_DISTANCE = 5;
/** The histograms hold microseconds; the file reads in milliseconds. */
const US_PER_MS = 1000;

export function percentileDistribution(encoded: string): string {
  const h = hdr.decodeFromCompressedBase64(encoded);
  return h.outputPercentileDistribution(TICKS_PER_HALF_DISTANCE, US_PER_MS);
}
