/**
 * The gate's Markdown summary: verdict table, medians, baseline deltas and
 * each run, rendered from the report. Written to --summary FILE (replacing
 * it) and appended to the file named by $GITHUB_STEP_SUMMARY, which is how a
 * GitHub Actions step adds to its job's summary page.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeMeasurement, describeSchedule, verdictHeader, verdictRows } from './gate-output.js';
import type { GateReport } from './report.js';
import { formatCount, formatMs, formatRate } from './table.js';

export const STEP_SUMMARY_ENV = 'GITHUB_STEP_SUMMARY';

/** A table cell: pipes and line breaks would end the cell or the row. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[], numericFrom = 1): string {
  const align = header.map((_, i) => (i >= numericFrom ? '---:' : '---'));
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${align.join('|')}|`, ...rows.map(line)].join('\n');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export function markdownSummary(report: GateReport): string {
  const title = report.verdict === 'pass' ? 'PASS' : report.verdict === 'fail' ? 'FAIL' : 'ERROR';
  const w = report.workload;
  const agent = report.agent === 'builtin' ? 'the built-in agent' : code(report.fingerprint.agent);
  const out = [
    `### daedalus gate: ${title}`,
    '',
    `Workload ${code(w.name)} (${describeSchedule(w)}) on ${w.agents} agent${w.agents === 1 ? '' : 's'} of ${agent}; ${describeMeasurement(report.measurement)}. Fingerprint ${code(report.fingerprint.hash)}.`,
    '',
  ];
  const f = report.failure;
  if (f !== null) {
    const what = f.stage === 'startup' ? 'The agents could not start' : 'The run could not finish';
    out.push(`${what}: **${code(f.code)}**${f.agentCode === null ? '' : ` (agent code ${code(f.agentCode)})`}: ${cell(f.message)}`, '');
    return `${out.join('\n')}\n`;
  }
  const withBaseline = report.thresholds.baseline !== undefined;
  const rows = verdictRows(report.checks, withBaseline).map((r) => r.map((c) => (c === 'FAIL' ? '**FAIL**' : c)));
  out.push(table(verdictHeader(withBaseline), rows), '');
  if (report.median !== null) {
    const runs = report.median.runs === 1 ? 'one run' : `median of ${report.median.runs} runs`;
    out.push(`**Medians** (${runs}): throughput ${formatRate(report.median.throughputPerSec)}, p99 assignment latency ${formatMs(report.median.p99AssignmentMs)}.`, '');
  }
  const b = report.thresholds.baseline;
  if (b !== undefined) {
    const when = [b.createdAt === undefined ? undefined : `from ${b.createdAt}`, b.commit === undefined ? undefined : `commit ${code(b.commit.slice(0, 12))}`].filter((s) => s !== undefined);
    out.push(`**Baseline** ${code(b.path)}${when.length === 0 ? '' : ` (${when.join(', ')})`}: median of ${b.median.runs} run${b.median.runs === 1 ? '' : 's'}.`, '');
  }
  for (const note of report.notes) out.push(`> ${cell(note)}`, '');
  if (report.runs.length > 1) {
    const pct = (v: number | null): string => (v === null ? '-' : `${Math.round(v)}%`);
    const runRows = report.runs.map((r, i) => [
      String(i + 1),
      formatCount(r.tasks.completed),
      formatMs(r.durationMs),
      formatRate(r.throughputPerSec),
      formatMs(r.assignmentLatencyMs.p99),
      pct(r.neighbourCpuPct),
    ]);
    out.push('<details><summary>Runs</summary>', '', table(['run', 'done', 'duration', 'throughput', 'assign p99', 'other CPU'], runRows), '', '</details>', '');
  }
  return `${out.join('\n')}\n`;
}

/** Writes `--summary` (replacing it) and appends to $GITHUB_STEP_SUMMARY; returns the paths written. */
export function writeSummaries(markdown: string, targets: { file: string | undefined; stepSummary: string | undefined }): string[] {
  const written: string[] = [];
  if (targets.file !== undefined) {
    mkdirSync(dirname(targets.file), { recursive: true });
    writeFileSync(targets.file, markdown);
    written.push(targets.file);
  }
  if (targets.stepSummary !== undefined && targets.stepSummary !== '') {
    appendFileSync(targets.stepSummary, markdown);
    written.push(targets.stepSummary);
  }
  return written;
}
