// `daedalus gate --repeat N`: a warm-up that is not counted, N measured runs on
// the same agents, and every check reading their medians; two identical gates,
// the second against the first's report, pass at the default 10% allowance.
// The runs use the steady fixture agent (a task blocks 3 ms without CPU), whose
// figures a busy test machine moves least; the noise rule covers the rest.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, STEADY_WORKLOAD, runCli, scratchDir } from './run-cli.mjs';

const scratch = scratchDir();
afterAll(() => scratch.remove());
const workload = scratch.write('steady.json', STEADY_WORKLOAD);
const steady = ['--agent', FIXTURES.steadyAgent, '--workload', workload];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

describe('daedalus gate --repeat', () => {
  it('records the warm-up apart, every measured run, and checks the medians of the runs', async () => {
    const out = scratch.path('repeat-3.json');
    const r = await runCli(['gate', ...steady, '--repeat', '3', '--warmup-ms', '0', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the median of 3 runs after one warm-up pass');
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.measurement).toEqual({ repeat: 3, warmup: true, warmupMinMs: 0 });
    expect(report.warmup.passes).toBe(1);
    expect(report.warmup.tasksCompleted).toBe(STEADY_WORKLOAD.count);
    expect(report.runs).toHaveLength(3);
    for (const run of report.runs) expect(run.tasks.completed).toBe(STEADY_WORKLOAD.count);
    expect(report.median.runs).toBe(3);
    expect(report.median.throughputPerSec).toBe(median(report.runs.map((run) => run.throughputPerSec)));
    expect(report.median.p99AssignmentMs).toBe(median(report.runs.map((run) => run.assignmentLatencyMs.p99)));
    const p99Check = report.checks.find((c) => c.name === 'p99 assignment latency');
    expect(p99Check.value).toBe(report.median.p99AssignmentMs);
    // The measured runs together: the warm-up's tasks are not among them.
    expect(report.measured.tasks.completed).toBe(3 * STEADY_WORKLOAD.count);
    expect(report.measured.assignmentLatencyMs.count).toBe(3 * STEADY_WORKLOAD.count);
  });

  it('two identical --repeat 5 gates, the second against the first, pass at the default allowance', async () => {
    const first = scratch.path('first.json');
    const second = scratch.path('second.json');
    expect((await runCli(['gate', ...steady, '--repeat', '5', '--warmup-ms', '0', '--out', first])).code).toBe(0);
    const r = await runCli(['gate', ...steady, '--repeat', '5', '--warmup-ms', '0', '--baseline', first, '--out', second]);
    expect(r.stdout).toContain('throughput vs baseline');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(second, 'utf8'));
    expect(report.thresholds.maxRegressionPct).toBe(10);
    const compared = report.checks.filter((c) => c.baseline !== undefined);
    expect(compared.map((c) => c.name)).toEqual(['throughput vs baseline', 'p99 assignment vs baseline']);
    for (const c of compared) {
      expect(c.pass).toBe(true);
      // The allowance is never below --max-regression, and says how much of it the runs' noise set.
      expect(c.baseline.limit.allowedPct).toBe(10);
      expect(c.baseline.limit.appliedPct).toBe(Math.max(10, c.baseline.limit.noisePct));
    }
    expect(compared[1].baseline.limit.floorMs).toBe(1);
  });
});
