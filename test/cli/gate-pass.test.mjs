// `daedalus gate` on the built-in workload and agent passes (exit 0) and writes a
// report whose encoded histograms decode to the tasks it ran, plus an SVG chart
// beside it. Without --repeat it is one cold run: its figures are the medians.
// Nothing here asserts a timing figure.
import { existsSync, readFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());

describe('daedalus gate on the built-in workload', () => {
  it('passes, prints the verdict table and writes report + chart', async () => {
    const out = scratch.path('ci/report.json');
    const r = await runCli(['gate', '--out', out], { cwd: scratch.dir });
    expect(r.code).toBe(0);
    // stderr is a log here: nothing but (possible) progress lines.
    for (const line of r.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^gate: /);
    expect(r.stdout).toContain('a single run (no warm-up)');
    expect(r.stdout).toContain('p99 assignment latency');
    expect(r.stdout).toContain('PASS');

    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.schema).toBe('daedalus-gate-report/2');
    expect(report.ok).toBe(true);
    expect(report.verdict).toBe('pass');
    expect(report.failure).toBeNull();
    expect(report.measurement).toEqual({ repeat: 1, warmup: false, warmupMinMs: null });
    expect(report.warmup).toBeNull();
    expect(report.runs).toHaveLength(1);
    expect(report.median).toEqual({
      runs: 1,
      throughputPerSec: report.runs[0].throughputPerSec,
      p99AssignmentMs: report.runs[0].assignmentLatencyMs.p99,
    });
    expect(report.measured.assignmentLatencyMs.p99).toBe(report.median.p99AssignmentMs);
    expect(report.agent).toBe('builtin');
    expect(report.workload.name).toBe('builtin');
    expect(report.thresholds.p99AssignmentMs).toBe(500);
    expect(report.checks.every((c) => c.pass)).toBe(true);
    expect(report.machine.cpuCount).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);

    const { tasks } = report.measured;
    expect(tasks.completed).toBe(tasks.planned);
    expect(tasks.failed + tasks.rejected).toBe(0);
    expect(Object.keys(report.measured.byType).sort()).toEqual(report.workload.tasks.map((t) => t.type).sort());
    for (const t of Object.values(report.measured.byType)) {
      expect(t.assignmentLatencyMs.p50).toBeLessThanOrEqual(t.assignmentLatencyMs.p90);
      expect(t.assignmentLatencyMs.p90).toBeLessThanOrEqual(t.assignmentLatencyMs.p99);
    }

    expect(report.histograms.unit).toBe('us');
    expect(report.histograms.encoding).toBe('hdr-compressed-base64');
    const assignment = hdr.decodeFromCompressedBase64(report.histograms.assignmentLatency);
    expect(assignment.totalCount).toBe(tasks.completed);
    expect(hdr.decodeFromCompressedBase64(report.histograms.runTime).totalCount).toBe(tasks.completed);
    expect(hdr.decodeFromCompressedBase64(report.histograms.endToEnd).totalCount).toBe(tasks.completed);
    for (const [type, perType] of Object.entries(report.measured.byType)) {
      expect(hdr.decodeFromCompressedBase64(report.histograms.byType[type].assignmentLatency).totalCount).toBe(perType.tasks.completed);
    }

    expect(report.chart).toBe(scratch.path('ci/report.svg'));
    expect(existsSync(report.chart)).toBe(true);
    const svg = readFileSync(report.chart, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('assignment latency');
  });

  it('writes daedalus-gate-report.json in the working directory when --out is not given', async () => {
    const r = await runCli(['gate', '--max-failed', '0'], { cwd: scratch.dir });
    expect(r.code).toBe(0);
    expect(existsSync(scratch.path('daedalus-gate-report.json'))).toBe(true);
    expect(existsSync(scratch.path('daedalus-gate-report.svg'))).toBe(true);
  });
});
