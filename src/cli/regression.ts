/**
 * The baseline comparison rule. A figure regresses when its median is worse
 * than the baseline's median by more than BOTH
 *
 *   - the allowed regression (--max-regression, default 10% of the baseline), and
 *   - the run-to-run noise: the wider range (slowest to fastest run, in the
 *     figure's own unit) of the baseline's runs and of this gate's runs,
 *
 * and, for p99 assignment latency, by more than 1 ms as well.
 *
 * Why: two gates of identical code on one machine differ by more than 10%
 * whenever the machine is shared (a neighbour's CPU burst, where the
 * scheduler puts the agent threads), and the p99 of a short run is its few
 * slowest hand-offs, which one stall decides: a run with a 5 ms main-thread
 * pause has a p99 near 5 ms, the next run without one near 2 ms. A
 * difference of medians smaller than the range a report's own runs already
 * span is not evidence of a regression; one beyond it and beyond
 * --max-regression is. The range is taken in the figure's unit, not over
 * each report's own median: with runs that either stall or do not, a ratio
 * over a low median overstates, one over a high median understates, and the
 * absolute range is what the medians' difference is measured against.
 * The noise is reported beside every comparison, so a wide allowance is
 * never silent, and on a quiet machine it shrinks back to --max-regression.
 * Without --repeat a report has one run and no range to read: the rule is
 * then the allowance (and the 1 ms floor) alone.
 *
 * The 1 ms floor: a p99 in the hundreds of microseconds moves by more than
 * 10% from one OS scheduling delay; a rise under a millisecond is below what
 * a wall-clock gate on a time-shared machine can resolve.
 *
 * A busy machine (see machineLoad): where the CPU other processes used is
 * measured (Linux), a comparison made while they took half the machine, or
 * far more than during the baseline, is reported as inconclusive rather
 * than passed or failed on figures the neighbours decided.
 */

export const P99_FLOOR_MS = 1;

export interface RegressionLimit {
  /** The limit the median is held to (throughput: at least; p99: at most). */
  limit: number;
  /** --max-regression, percent. */
  allowedPct: number;
  /** Run-to-run noise: the wider range of the two reports' runs, as a percentage of the baseline; 0 when neither has two runs. */
  noisePct: number;
  /** What the limit allows, percent of the baseline: the larger of allowedPct and noisePct. */
  appliedPct: number;
  /** p99 only: the least rise, in ms, that counts as a regression. */
  floorMs: number | undefined;
}

export interface RegressionInput {
  direction: 'higher-is-better' | 'lower-is-better';
  /** The baseline's median. */
  baseline: number;
  baselineRuns: readonly number[];
  currentRuns: readonly number[];
  allowedPct: number;
}

/** Slowest to fastest run, in the runs' unit; 0 for fewer than two runs. */
export function runRange(runs: readonly number[]): number {
  return runs.length < 2 ? 0 : Math.max(...runs) - Math.min(...runs);
}

export function regressionLimit(input: RegressionInput): RegressionLimit {
  const { baseline, allowedPct } = input;
  const noise = Math.max(runRange(input.baselineRuns), runRange(input.currentRuns));
  const noisePct = baseline > 0 ? (noise / baseline) * 100 : 0;
  const appliedPct = Math.max(allowedPct, noisePct);
  const allowance = Math.max((baseline * allowedPct) / 100, noise);
  if (input.direction === 'higher-is-better') {
    return { limit: Math.max(0, baseline - allowance), allowedPct, noisePct, appliedPct, floorMs: undefined };
  }
  return { limit: baseline + Math.max(allowance, P99_FLOOR_MS), allowedPct, noisePct, appliedPct, floorMs: P99_FLOOR_MS };
}

/**
 * Other processes' median CPU share (percent of the machine) at which a
 * wall-clock comparison measures the neighbours more than the code: at or
 * above BUSY_PCT in either report, or BUSY_SHIFT_PCT points apart between
 * them. Measured: identical gates on a 2-core machine whose neighbours took
 * 50-90% of it differed by up to 61% in throughput and almost 4x in p99.
 */
export const BUSY_PCT = 50;
export const BUSY_SHIFT_PCT = 25;

function medianOf(values: readonly (number | null)[]): number | undefined {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return undefined;
  const mid = known.length >> 1;
  return known.length % 2 === 1 ? known[mid] : ((known[mid - 1] ?? 0) + (known[mid] ?? 0)) / 2;
}

export interface MachineLoad {
  /** Median share of the machine's CPU other processes used during the baseline's runs / this gate's; undefined where unmeasured. */
  baselinePct: number | undefined;
  currentPct: number | undefined;
  /** Why the baseline checks cannot tell a regression from the neighbours; undefined when they can. */
  inconclusive: string | undefined;
}

export function machineLoad(baselineRuns: readonly (number | null)[], currentRuns: readonly (number | null)[]): MachineLoad {
  const baselinePct = medianOf(baselineRuns);
  const currentPct = medianOf(currentRuns);
  let inconclusive: string | undefined;
  if (baselinePct !== undefined && currentPct !== undefined) {
    const shares = `other processes used ${Math.round(currentPct)}% of the machine's CPU during these runs and ${Math.round(baselinePct)}% during the baseline's`;
    if (Math.max(baselinePct, currentPct) >= BUSY_PCT) inconclusive = `${shares} (${BUSY_PCT}% or more)`;
    else if (Math.abs(baselinePct - currentPct) >= BUSY_SHIFT_PCT) inconclusive = `${shares} (${BUSY_SHIFT_PCT} points or more apart)`;
  }
  return { baselinePct, currentPct, inconclusive };
}
