// The baseline comparison rule without a process: a median must be worse than
// both --max-regression and the runs' own spread to fail; p99 must also rise by
// more than 1 ms; a comparison on a busy machine is inconclusive, not failed.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../dist/src/cli/checks.js';
import { BUSY_PCT, BUSY_SHIFT_PCT, machineLoad, regressionLimit, runRange } from '../../dist/src/cli/regression.js';
import { median } from '../../dist/src/cli/runs.js';

const runsOf = (throughputs, p99s, neighbour = null) => throughputs.map((t, i) => ({ throughputPerSec: t, p99AssignmentMs: p99s[i], neighbourCpuPct: neighbour }));

function thresholds(baselineRuns) {
  return {
    p99AssignmentMs: 500,
    minThroughputPerSec: undefined,
    maxFailedTasks: 0,
    maxRegressionPct: 10,
    baseline: {
      path: 'b.json',
      median: { runs: baselineRuns.length, throughputPerSec: median(baselineRuns.map((r) => r.throughputPerSec)), p99AssignmentMs: median(baselineRuns.map((r) => r.p99AssignmentMs)) },
      runs: baselineRuns,
    },
  };
}

function compare(baselineRuns, currentRuns) {
  const measured = {
    medians: { runs: currentRuns.length, throughputPerSec: median(currentRuns.map((r) => r.throughputPerSec)), p99AssignmentMs: median(currentRuns.map((r) => r.p99AssignmentMs)) },
    runs: currentRuns,
    failedTasks: 0,
  };
  return Object.fromEntries(evaluate(thresholds(baselineRuns), measured).filter((c) => c.baseline).map((c) => [c.name, c]));
}

describe('runRange', () => {
  it('is slowest to fastest run in the figure\'s unit; 0 for one run', () => {
    expect(runRange([100])).toBe(0);
    expect(runRange([90, 100, 110])).toBe(20);
    expect(runRange([2, 2.1, 5.4, 1.9, 2])).toBeCloseTo(3.5);
  });
});

describe('regressionLimit', () => {
  it('is --max-regression alone when neither report has two runs', () => {
    const l = regressionLimit({ direction: 'higher-is-better', baseline: 1000, baselineRuns: [1000], currentRuns: [950], allowedPct: 10 });
    expect(l).toMatchObject({ limit: 900, noisePct: 0, appliedPct: 10 });
  });

  it("widens to the wider range of the two reports' runs, never below --max-regression", () => {
    const l = regressionLimit({ direction: 'higher-is-better', baseline: 1000, baselineRuns: [800, 1000, 1100], currentRuns: [990, 1000, 1010], allowedPct: 10 });
    expect(l.noisePct).toBeCloseTo(30);
    expect(l.appliedPct).toBeCloseTo(30);
    expect(l.limit).toBeCloseTo(700);
    const quiet = regressionLimit({ direction: 'higher-is-better', baseline: 1000, baselineRuns: [990, 1000, 1010], currentRuns: [995, 1000, 1005], allowedPct: 10 });
    expect(quiet.appliedPct).toBe(10);
  });

  it('measures the range in ms for p99, so runs that stall or not are not judged against a low median alone', () => {
    // Baseline runs mostly without a stall (median 2.3 ms), current runs mostly with one: the
    // medians differ by 5.5 ms, less than the 13 ms the current runs themselves span.
    const l = regressionLimit({ direction: 'lower-is-better', baseline: 2.3, baselineRuns: [3.6, 5.5, 2.1, 1.5, 2.3], currentRuns: [5.1, 15.2, 2, 15.3, 7.8], allowedPct: 10 });
    expect(l.limit).toBeCloseTo(2.3 + 13.3);
    expect(7.8).toBeLessThanOrEqual(l.limit);
  });

  it('holds p99 to at least 1 ms above the baseline', () => {
    const small = regressionLimit({ direction: 'lower-is-better', baseline: 0.2, baselineRuns: [0.2], currentRuns: [0.9], allowedPct: 10 });
    expect(small.limit).toBeCloseTo(1.2);
    expect(small.floorMs).toBe(1);
    const large = regressionLimit({ direction: 'lower-is-better', baseline: 50, baselineRuns: [50], currentRuns: [50], allowedPct: 10 });
    expect(large.limit).toBeCloseTo(55);
  });
});

describe('evaluate against a baseline', () => {
  it('a median beyond the allowance and the noise fails; one within the noise passes', () => {
    const steady = runsOf([1000, 1010, 990, 1005, 995], [5, 5.1, 4.9, 5, 5]);
    const slower = compare(steady, runsOf([700, 705, 695, 702, 698], [9, 9.1, 8.9, 9, 9]));
    expect(slower['throughput vs baseline'].pass).toBe(false);
    expect(slower['p99 assignment vs baseline'].pass).toBe(false);
    const noisy = compare(runsOf([600, 1000, 1100, 900, 1300], [3, 5, 9, 4, 6]), runsOf([750, 850, 900, 800, 1200], [4, 6, 7, 5, 8]));
    expect(noisy['throughput vs baseline'].pass).toBe(true);
    expect(noisy['throughput vs baseline'].baseline.limit.appliedPct).toBeGreaterThan(10);
    expect(noisy['p99 assignment vs baseline'].pass).toBe(true);
  });

  it('a comparison while other processes took half the machine is inconclusive and does not fail', () => {
    const busy = compare(runsOf([1000, 1000, 1000], [5, 5, 5], 10), runsOf([400, 400, 400], [20, 20, 20], BUSY_PCT + 5));
    for (const c of Object.values(busy)) {
      expect(c.pass).toBe(true);
      expect(c.inconclusive).toContain('other processes used');
    }
  });

  it('without a measured machine load the comparison stands', () => {
    const unknown = compare(runsOf([1000, 1000, 1000], [5, 5, 5]), runsOf([400, 400, 400], [20, 20, 20], BUSY_PCT + 5));
    expect(unknown['throughput vs baseline'].pass).toBe(false);
    expect(unknown['throughput vs baseline'].inconclusive).toBeUndefined();
  });
});

describe('machineLoad', () => {
  it(`calls a comparison inconclusive at ${BUSY_PCT}% busy or ${BUSY_SHIFT_PCT} points apart, and not below`, () => {
    expect(machineLoad([10, 12, 11], [12, 13, 14]).inconclusive).toBeUndefined();
    expect(machineLoad([10, 12, 11], [BUSY_PCT, BUSY_PCT, BUSY_PCT]).inconclusive).toContain(`${BUSY_PCT}% or more`);
    expect(machineLoad([2, 2, 2], [2 + BUSY_SHIFT_PCT, 2 + BUSY_SHIFT_PCT, 2 + BUSY_SHIFT_PCT]).inconclusive).toContain('points or more apart');
    expect(machineLoad([null], [90]).inconclusive).toBeUndefined();
  });
});
