// Beside the report and chart, `daedalus gate` writes assignment latency's
// percentile distribution as HdrHistogram's classic .hgrm text (values in ms):
// a header line, one row per percentile step, and the #[Mean / #[Max footer.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SMALL_WORKLOAD, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());

function parseHgrm(text) {
  const lines = text.split('\n');
  const header = lines[0].trim().split(/\s+/);
  const rows = lines
    .filter((l) => /^\s*\d/.test(l))
    .map((l) => l.trim().split(/\s+/).map(Number));
  const footer = Object.fromEntries([...text.matchAll(/#\[(\w+)\s*=\s*([\d.]+),\s*(\w[\w ]*?)\s*=\s*([\d.]+)\]/g)].flatMap((m) => [[m[1], Number(m[2])], [m[3], Number(m[4])]]));
  return { header, rows, footer };
}

describe('daedalus gate .hgrm percentile distribution', () => {
  it('is written beside the report and parses: header, monotonic rows up to 100%, and the footer', async () => {
    const out = scratch.path('gate/report.json');
    const r = await runCli(['gate', '--workload', scratch.write('small.json', SMALL_WORKLOAD), '--repeat', '2', '--warmup-ms', '0', '--out', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.hgrm).toBe(scratch.path('gate/report.hgrm'));
    expect(r.stdout).toContain(`hgrm:    ${report.hgrm}`);

    const { header, rows, footer } = parseHgrm(readFileSync(report.hgrm, 'utf8'));
    expect(header).toEqual(['Value', 'Percentile', 'TotalCount', '1/(1-Percentile)']);
    expect(rows.length).toBeGreaterThan(10);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i][0]).toBeGreaterThanOrEqual(rows[i - 1][0]);
      expect(rows[i][1]).toBeGreaterThanOrEqual(rows[i - 1][1]);
    }
    expect(rows.at(-1)[1]).toBe(1);
    const tasks = 2 * SMALL_WORKLOAD.count;
    expect(rows.at(-1)[2]).toBe(tasks);
    expect(footer['Total count']).toBe(tasks);
    expect(footer.Mean).toBeGreaterThan(0);
    // Milliseconds, like the report: the footer's max is the merged runs' max.
    expect(footer.Max).toBeCloseTo(report.measured.assignmentLatencyMs.max, 1);
    expect(readFileSync(report.hgrm, 'utf8')).toContain('#[Mean');
  });
});
