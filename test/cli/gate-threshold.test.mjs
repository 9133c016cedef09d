// A failed threshold makes `daedalus gate` exit 1 and say which check failed, in
// the table and in the report. The limits are out of reach on any machine
// (1 us p99 with tasks queued, 10^12 tasks/s), so no assertion depends on timing.
// Baselines are real reports of the same workload with their figures edited,
// so the fingerprint matches; their machine load is set unknown (null), so a
// busy test machine cannot make the comparison inconclusive.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_WORKLOAD, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());
const workload = scratch.write('small.json', SMALL_WORKLOAD);

let template;
beforeAll(async () => {
  const out = scratch.path('template.json');
  const r = await runCli(['gate', '--workload', workload, '--out', out]);
  expect(r.code).toBe(0);
  template = JSON.parse(readFileSync(out, 'utf8'));
});

/** A copy of a real report of this workload whose every run (and median) shows the given figures. */
function baselineWith(name, { throughputPerSec, p99AssignmentMs }) {
  const report = structuredClone(template);
  report.median = { ...report.median, throughputPerSec, p99AssignmentMs };
  report.runs = report.runs.map((run) => ({ ...run, throughputPerSec, neighbourCpuPct: null, assignmentLatencyMs: { ...run.assignmentLatencyMs, p99: p99AssignmentMs } }));
  return scratch.write(name, report);
}

function failedChecks(reportPath) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  expect(report.verdict).toBe('fail');
  return report.checks.filter((c) => !c.pass).map((c) => c.name);
}

describe('daedalus gate: a failed threshold exits 1', () => {
  it('--p99-assignment-ms 0.001 on the built-in workload fails the p99 check', async () => {
    const out = scratch.path('p99.json');
    const r = await runCli(['gate', '--p99-assignment-ms', '0.001', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL');
    expect(failedChecks(out)).toEqual(['p99 assignment latency']);
  });

  it('--min-throughput beyond reach fails the throughput check', async () => {
    const out = scratch.path('throughput.json');
    const r = await runCli(['gate', '--workload', workload, '--min-throughput', '1e12', '--out', out]);
    expect(r.code).toBe(1);
    expect(failedChecks(out)).toEqual(['throughput']);
  });

  it('a baseline far above this run fails the throughput regression check', async () => {
    const baseline = baselineWith('baseline.json', { throughputPerSec: 1e12, p99AssignmentMs: 1e9 });
    const out = scratch.path('regressed.json');
    const r = await runCli(['gate', '--workload', workload, '--baseline', baseline, '--max-regression', '10%', '--out', out]);
    expect(r.code).toBe(1);
    expect(failedChecks(out)).toEqual(['throughput vs baseline']);
  });

  it('a baseline this run cannot regress against passes, and the report records the allowance', async () => {
    const baseline = baselineWith('easy-baseline.json', { throughputPerSec: 0.001, p99AssignmentMs: 1e9 });
    const out = scratch.path('steady.json');
    const r = await runCli(['gate', '--workload', workload, '--baseline', baseline, '--out', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.thresholds.maxRegressionPct).toBe(10);
    expect(report.checks.map((c) => c.name)).toContain('p99 assignment vs baseline');
  });

  it("a previous run's report works as the next run's --baseline", async () => {
    const first = scratch.path('first.json');
    expect((await runCli(['gate', '--workload', workload, '--out', first])).code).toBe(0);
    const second = scratch.path('second.json');
    // 1000% allowance: this checks the plumbing, not the machine's run-to-run noise.
    const r = await runCli(['gate', '--workload', workload, '--baseline', first, '--max-regression', '1000%', '--out', second]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(second, 'utf8'));
    expect(report.thresholds.baseline.path).toBe(first);
  });
});
