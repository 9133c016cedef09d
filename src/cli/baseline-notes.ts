/**
 * Notes on a baseline comparison: what the reader of a verdict should know
 * although no check failed on it. Run-to-run noise wider than the allowance
 * (so only a larger regression can fail), an agent file that changed, a
 * baseline measured differently or elsewhere.
 */
import type { Baseline, Check } from './checks.js';
import { describeMeasurement } from './gate-output.js';
import { machineLoad } from './regression.js';
import type { Measurement } from './report.js';

/** Other processes' median CPU share from which the figures say as much about the machine as about the code. */
const BUSY_NOTE_PCT = 20;

export function baselineNotes(input: {
  baseline: Baseline;
  checks: readonly Check[];
  /** Other processes' CPU share during each measured run of this gate (null where unknown). */
  neighbourCpuPct: readonly (number | null)[];
  measurement: Measurement;
  agentSha256: string;
  machine: { node: string; cpuModel: string };
}): string[] {
  const { baseline: b } = input;
  const notes: string[] = [];
  const noisy = input.checks.filter((c) => c.baseline !== undefined && c.baseline.limit.noisePct > c.baseline.limit.allowedPct);
  const first = noisy[0]?.baseline?.limit;
  if (first !== undefined) {
    const spreads = noisy.map((c) => `${c.name.replace(' vs baseline', '')} ${Math.round(c.baseline?.limit.noisePct ?? 0)}%`).join(', ');
    notes.push(
      `run-to-run noise is wider than --max-regression ${first.allowedPct}% (runs spread: ${spreads}); a change counts as a regression only beyond it, so a smaller one cannot be told from noise on this machine. A quieter machine or longer runs narrow it.`,
    );
  }
  const load = machineLoad(
    b.runs.map((r) => r.neighbourCpuPct),
    input.neighbourCpuPct,
  );
  if (load.inconclusive !== undefined) {
    notes.push(`the baseline checks are inconclusive and do not fail the gate: ${load.inconclusive}, so the figures measure the neighbours more than the code; run the gate on a quieter machine`);
  } else if (load.baselinePct !== undefined && load.currentPct !== undefined && Math.max(load.baselinePct, load.currentPct) >= BUSY_NOTE_PCT) {
    notes.push(
      `other processes used ${Math.round(load.currentPct)}% of the machine's CPU during these runs (median) and ${Math.round(load.baselinePct)}% during the baseline's: on a shared machine the figures measure the neighbours as well as the code`,
    );
  }
  if (b.agentSha256 !== undefined && b.agentSha256 !== input.agentSha256) {
    notes.push("the agent module's file changed since the baseline (its SHA-256 differs): the comparison measures that change too");
  }
  const was: Measurement = b.measurement;
  if (was.repeat !== input.measurement.repeat || was.warmup !== input.measurement.warmup) {
    notes.push(`the baseline was measured as ${describeMeasurement(was)}, this gate as ${describeMeasurement(input.measurement)}: figures measured differently can differ by more than the code does`);
  }
  const elsewhere: string[] = [];
  if (b.machine.cpuModel !== undefined && b.machine.cpuModel !== input.machine.cpuModel) elsewhere.push(`CPU ${b.machine.cpuModel} vs ${input.machine.cpuModel}`);
  if (b.machine.node !== undefined && b.machine.node !== input.machine.node) elsewhere.push(`Node ${b.machine.node} vs ${input.machine.node}`);
  if (elsewhere.length > 0) notes.push(`the baseline was measured elsewhere (${elsewhere.join('; ')}): compare reports of one machine class`);
  return notes;
}
