// The progress bar (silent off a TTY and during its first two seconds; fake
// clock, no sleeps), the plain progress lines a log gets instead, and the SVG
// percentile chart (one line per series, labels escaped, an empty histogram
// drawn as "no samples", a legend that fits inside the viewBox).
import * as hdr from 'hdr-histogram-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { percentileChartSvg } from '../../dist/src/cli/chart.js';
import { ProgressLines, gateProgress } from '../../dist/src/cli/gate-progress.js';
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

describe('ProgressLines (stderr not a TTY)', () => {
  afterEach(() => vi.useRealTimers());

  it('prints one plain line per interval with the phase, tasks and elapsed time, and a last line', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const stream = fakeStream(false);
    const lines = new ProgressLines(stream, 5_000);
    lines.update('run 2/5', 1234, 3000, 0.4);
    vi.advanceTimersByTime(4_999);
    expect(stream.chunks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stream.chunks).toEqual(['gate: run 2/5, 1,234/3,000 tasks, 5.0 s\n']);
    lines.update('run 3/5', 10, 3000, 0.6);
    vi.advanceTimersByTime(5_000);
    expect(stream.chunks.at(-1)).toBe('gate: run 3/5, 10/3,000 tasks, 10.0 s\n');
    lines.finish('done, 5 runs after a warm-up');
    expect(stream.chunks.at(-1)).toBe('gate: done, 5 runs after a warm-up, 10.0 s\n');
    vi.advanceTimersByTime(20_000);
    expect(stream.chunks).toHaveLength(3);
  });

  it('a gate shorter than the interval prints nothing at all', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const stream = fakeStream(false);
    const lines = new ProgressLines(stream, 5_000);
    lines.update('run', 300, 300, 1);
    vi.advanceTimersByTime(4_000);
    lines.finish('done, 1 run');
    expect(stream.chunks).toEqual([]);
  });

  it('gateProgress picks lines off a TTY and the bar on one', () => {
    expect(gateProgress(fakeStream(false), 1_000)).toBeInstanceOf(ProgressLines);
    const tty = gateProgress(fakeStream(true), 1_000);
    expect(tty).not.toBeInstanceOf(ProgressLines);
    tty.finish('done');
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

/** Legend labels with their x, and the SVG's viewBox width. */
function legendOf(svg) {
  const width = Number(/viewBox="0 0 (\d+(?:\.\d+)?) /.exec(svg)[1]);
  const fontPx = Number(/<svg [^>]*font-size="(\d+)"/.exec(svg)[1]);
  const items = [...svg.matchAll(/<text class="legend" x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    // Entities count as the one character they stand for.
    length: m[2].replace(/&#\d+;/g, '_').length,
  }));
  return { width, fontPx, items };
}

describe('percentileChartSvg legend', () => {
  // 0.6 em per character is more than sans-serif digits and lower case take.
  const EM_PER_CHAR = 0.6;

  it('fits inside the viewBox with the labels the gate draws for 15,000 samples', () => {
    const values = Array.from({ length: 15_000 }, (_, i) => 10 + (i % 900));
    const svg = percentileChartSvg(
      [
        { label: 'assignment latency', encoded: encoded(values) },
        { label: 'run time', encoded: encoded(values) },
        { label: 'end to end', encoded: encoded(values) },
      ],
      { title: 'daedalus gate: builtin (2 agents, 5 runs, pass)', thresholdMs: 500 },
    );
    const { width, fontPx, items } = legendOf(svg);
    expect(items).toHaveLength(3);
    for (const item of items) expect(item.x + item.length * fontPx * EM_PER_CHAR).toBeLessThanOrEqual(width);
  });

  it('grows the chart for a long label instead of clipping it', () => {
    const label = 'assignment latency of a workload with a long descriptive name';
    const svg = percentileChartSvg([{ label, encoded: encoded([5, 50, 500, 5000]) }], { title: 'long' });
    const { width, fontPx, items } = legendOf(svg);
    expect(width).toBeGreaterThan(820);
    expect(items[0].x + items[0].length * fontPx * EM_PER_CHAR).toBeLessThanOrEqual(width);
  });
});
