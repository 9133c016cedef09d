// The progress bar (silent off a TTY and during its first two seconds; fake
// clock, no sleeps) and the SVG percentile chart (one line per series, labels
// escaped, an empty histogram drawn as "no samples").
import * as hdr from 'hdr-histogram-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { percentileChartSvg } from '../../dist/src/cli/chart.js';
import { ProgressBar } from '../../dist/src/cli/progress.js';

function fakeStream(isTTY) {
  const chunks = [];
  return { isTTY, columns: 100, chunks, write: (chunk) => chunks.push(chunk) };
}

describe('ProgressBar', () => {
  afterEach(() => vi.useRealTimers());

  it('draws nothing when the stream is not a TTY', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const stream = fakeStream(false);
    const bar = new ProgressBar(stream, 2_000);
    bar.update(0.5, 'suite');
    vi.advanceTimersByTime(10_000);
    bar.stop();
    expect(stream.chunks).toEqual([]);
  });

  it('on a TTY stays silent for the delay, then draws the fraction and label, and clears its line on stop', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const stream = fakeStream(true);
    const bar = new ProgressBar(stream, 2_000);
    bar.update(0.25, 'throughput/no-op');
    vi.advanceTimersByTime(1_900);
    expect(stream.chunks).toEqual([]);
    vi.advanceTimersByTime(500);
    const drawn = stream.chunks.at(-1);
    expect(drawn).toContain('25%');
    expect(drawn).toContain('throughput/no-op');
    bar.stop();
    expect(stream.chunks.at(-1)).toBe('\r\x1b[2K');
    const count = stream.chunks.length;
    vi.advanceTimersByTime(5_000);
    expect(stream.chunks).toHaveLength(count);
  });
});

function encoded(valuesUs) {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (const v of valuesUs) h.recordValue(v);
  return hdr.encodeIntoCompressedBase64(h);
}

describe('percentileChartSvg', () => {
  it('draws one line per series with escaped labels and the threshold', () => {
    const svg = percentileChartSvg(
      [
        { label: 'assignment <fast>', encoded: encoded(Array.from({ length: 1000 }, (_, i) => 10 + i)) },
        { label: 'run & done', encoded: encoded([5, 50, 500]) },
      ],
      { title: 'gate "x"', thresholdMs: 500, thresholdLabel: 'p99 target' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('assignment &#60;fast&#62; (n=1000)');
    expect(svg).toContain('run &#38; done (n=3)');
    expect(svg).toContain('gate &#34;x&#34;');
    expect(svg).toContain('p99 target');
    expect(svg).not.toContain('<fast>');
  });

  it('an empty histogram draws no line and says so', () => {
    const svg = percentileChartSvg([{ label: 'assignment latency', encoded: encoded([]) }], { title: 'empty' });
    expect(svg).not.toContain('<path ');
    expect(svg).toContain('no samples');
  });
});
