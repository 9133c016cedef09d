/**
 * What `daedalus gate` prints on stdout, rendered from the report it wrote,
 * so the log and the artifact can never disagree: the runs, the per-type
 * table, the verdict table with baseline deltas, notes, and where the files went.
 */
import type { Check } from './checks.js';
import type { GateReport, Measurement } from './report.js';
import { formatChangePct, formatCount, formatMs, formatRate, formatTable, formatValue } from './table.js';
import { plannedTasks, type Workload } from './workload.js';

export function describeSchedule(workload: Workload): string {
  const s = workload.schedule;
  return s.kind === 'count'
    ? `${formatCount(s.count)} tasks, ${formatCount(s.concurrency)} outstanding`
    : `${formatCount(s.ratePerSec)} tasks/s for ${formatMs(s.durationMs)} (${formatCount(plannedTasks(s))} tasks)`;
}

/** `a single run (no warm-up)`, `the median of 5 runs after a warm-up of at least 2 s`. */
export function describeMeasurement(m: Measurement): string {
  const runs = m.repeat === 1 ? 'a single run' : `the median of ${m.repeat} runs`;
  if (!m.warmup) return `${runs} (no warm-up)`;
  const warm = m.warmupMinMs === null || m.warmupMinMs === 0 ? 'one warm-up pass' : `a warm-up of at least ${formatMs(m.warmupMinMs)}`;
  return `${runs} after ${warm}`;
}

export function describeRun(workload: Workload, agents: number, agentLabel: string, m: Measurement): string {
  return `daedalus gate: workload '${workload.name}' (${describeSchedule(workload)}) on ${agents} agent${agents === 1 ? '' : 's'} of ${agentLabel}; ${describeMeasurement(m)}`;
}

function runsTable(report: GateReport): string {
  const pct = (v: number | null): string => (v === null ? '-' : `${Math.round(v)}%`);
  const rows = report.runs.map((r, i) => [
    String(i + 1),
    formatCount(r.tasks.completed),
    formatCount(r.tasks.failed + r.tasks.rejected),
    formatMs(r.durationMs),
    formatRate(r.throughputPerSec),
    formatMs(r.assignmentLatencyMs.p50),
    formatMs(r.assignmentLatencyMs.p99),
    formatMs(r.mainThreadGcMs),
    pct(r.neighbourCpuPct),
  ]);
  if (report.median !== null) rows.push(['median', '', '', '', formatRate(report.median.throughputPerSec), '', formatMs(report.median.p99AssignmentMs), '', '']);
  return formatTable(['run', 'done', 'failed', 'duration', 'throughput', 'assign p50', 'assign p99', 'main GC', 'other CPU'], rows);
}

function typeTable(report: GateReport): string {
  const byType = report.measured?.byType ?? {};
  const rows = Object.entries(byType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, t]) => [
      type,
      formatCount(t.tasks.completed),
      formatCount(t.tasks.failed),
      formatMs(t.assignmentLatencyMs.p50),
      formatMs(t.assignmentLatencyMs.p90),
      formatMs(t.assignmentLatencyMs.p99),
      formatMs(t.runTimeMs.p50),
      formatMs(t.runTimeMs.p99),
      formatMs(t.endToEndMs.p99),
    ]);
  return formatTable(['type', 'done', 'failed', 'assign p50', 'assign p90', 'assign p99', 'run p50', 'run p99', 'e2e p99'], rows);
}

/** How a baseline check's limit was set: `10%`, or `38% (noise)` when the runs' spread was wider. */
export function allowanceText(c: Check): string {
  const l = c.baseline?.limit;
  if (l === undefined) return '';
  const pct = `${c.op === '>=' ? '-' : '+'}${Math.round(l.appliedPct)}%`;
  return l.noisePct > l.allowedPct ? `${pct} (noise)` : pct;
}

export function verdictRows(checks: readonly Check[], withBaseline: boolean): string[][] {
  return checks.map((c) => {
    const row = [c.name, `${c.op} ${formatValue(c.limit, c.unit)}`, formatValue(c.value, c.unit)];
    if (withBaseline) {
      row.push(c.baseline === undefined ? '' : formatValue(c.baseline.value, c.unit));
      row.push(c.baseline === undefined ? '' : formatChangePct(c.baseline.changePct));
      row.push(allowanceText(c));
    }
    row.push(c.inconclusive !== undefined ? 'inconclusive' : c.pass ? 'pass' : 'FAIL');
    return row;
  });
}

export function verdictHeader(withBaseline: boolean): string[] {
  return withBaseline ? ['check', 'threshold', 'measured', 'baseline', 'change', 'allowed', 'result'] : ['check', 'threshold', 'measured', 'result'];
}

export interface WrittenFiles {
  report: string;
  summaries: string[];
}

/** Everything after the opening line, for a run that produced figures. */
export function resultText(report: GateReport, files: WrittenFiles): string {
  const out: string[] = [];
  const m = report.measured;
  if (m === null) return failureText(report, files);
  if (report.warmup !== null) {
    const w = report.warmup;
    out.push(`warm-up (not counted): ${formatCount(w.passes)} pass${w.passes === 1 ? '' : 'es'}, ${formatCount(w.tasksCompleted)} tasks in ${formatMs(w.durationMs)}`);
  }
  if (report.runs.length > 1) out.push('', runsTable(report));
  const t = m.tasks;
  const over = report.runs.length > 1 ? ' over all runs' : '';
  const counts = `${formatCount(t.completed)} completed, ${formatCount(t.failed)} failed, ${formatCount(t.rejected)} rejected in ${formatMs(m.durationMs)}`;
  out.push('', `${counts} (${formatRate(m.throughputPerSec)}${over}; agents ready in ${formatMs(m.startupMs)})`);
  if (m.firstFailure !== undefined) out.push(`first failure: ${m.firstFailure.type}: ${m.firstFailure.code}: ${m.firstFailure.message}`);
  const withBaseline = report.thresholds.baseline !== undefined;
  out.push('', typeTable(report), '', formatTable(verdictHeader(withBaseline), verdictRows(report.checks, withBaseline)), '');
  for (const note of report.notes) out.push(`note: ${note}`);
  if (report.notes.length > 0) out.push('');
  out.push(`report:  ${files.report}`);
  if (report.chart !== null) out.push(`chart:   ${report.chart}`);
  if (report.hgrm !== null) out.push(`hgrm:    ${report.hgrm}`);
  for (const s of files.summaries) out.push(`summary: ${s}`);
  const failed = report.checks.filter((c) => !c.pass);
  out.push(failed.length === 0 ? 'PASS' : `FAIL: ${failed.map((c) => c.name).join(', ')}`);
  return `${out.join('\n')}\n`;
}

function failureText(report: GateReport, files: WrittenFiles): string {
  const f = report.failure;
  const out = [''];
  if (f !== null) {
    const what = f.stage === 'startup' ? 'the agents could not start' : 'the run could not finish';
    out.push(`${what}: ${f.code}${f.agentCode === null ? '' : ` (agent code ${f.agentCode})`}: ${f.message}`);
  }
  out.push('', `report:  ${files.report}`);
  for (const s of files.summaries) out.push(`summary: ${s}`);
  out.push(`ERROR: ${f?.code ?? 'no figures'}`);
  return `${out.join('\n')}\n`;
}
