/**
 * `daedalus gate`: flags -> agent module + workload + thresholds, run, verdict
 * table, report. Returns the exit code (0 pass, 1 failed check); usage problems
 * throw UsageError (exit 2).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, numberFlag, parseFlags, percentFlag, stringFlag, type FlagSpec } from './args.js';
import { DEFAULT_MAX_REGRESSION_PCT, evaluate, loadBaseline, type Check, type Thresholds } from './checks.js';
import type { RunResult } from './gate-runner.js';
import { GATE_HELP, packageVersion } from './help.js';
import { ProgressBar } from './progress.js';
import { formatCount, formatMs, formatRate, formatTable } from './table.js';
import { builtinWorkload, loadWorkload, plannedTasks, type Workload } from './workload.js';

const FLAGS: FlagSpec = {
  agent: { type: 'string' },
  workload: { type: 'string' },
  agents: { type: 'string' },
  'p99-assignment-ms': { type: 'string' },
  'min-throughput': { type: 'string' },
  'max-failed': { type: 'string' },
  baseline: { type: 'string' },
  'max-regression': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const DEFAULT_P99_ASSIGNMENT_MS = 500;
export const DEFAULT_REPORT_PATH = 'daedalus-gate-report.json';
const DEFAULT_AGENTS = 2;
const BUILTIN_AGENT = new URL('../../workers/examples/builtin-agent.js', import.meta.url);

export interface Io {
  out: (text: string) => void;
  err: NodeJS.WriteStream;
}

/** The agent module as a file URL; a missing file or uncompiled TypeScript is a usage error naming the path. */
function resolveAgent(raw: string | undefined): URL {
  if (raw === undefined) return BUILTIN_AGENT;
  const path = resolve(raw);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new UsageError('--agent', `--agent: no agent module at ${path} (given '${raw}')`);
  if (/\.[cm]?ts$/.test(path)) throw new UsageError('--agent', `--agent: ${path} is TypeScript; agents run as JavaScript in worker threads, pass the compiled .js`);
  return pathToFileURL(path);
}

function readThresholds(values: ReturnType<typeof parseFlags>): Thresholds {
  const baselinePath = stringFlag(values, 'baseline');
  const maxRegressionPct = percentFlag(values, 'max-regression');
  if (maxRegressionPct !== undefined && baselinePath === undefined) {
    throw new UsageError('--max-regression', '--max-regression compares against a previous report: give --baseline previous.json too');
  }
  return {
    p99AssignmentMs: numberFlag(values, 'p99-assignment-ms', { min: 0, max: 86_400_000, exclusiveMin: true }) ?? DEFAULT_P99_ASSIGNMENT_MS,
    minThroughputPerSec: numberFlag(values, 'min-throughput', { min: 0, max: 1e12 }),
    maxFailedTasks: numberFlag(values, 'max-failed', { min: 0, max: 1e12, integer: true }) ?? 0,
    baseline: baselinePath === undefined ? undefined : loadBaseline(resolve(baselinePath)),
    maxRegressionPct: baselinePath === undefined ? undefined : (maxRegressionPct ?? DEFAULT_MAX_REGRESSION_PCT),
  };
}

function describeRun(workload: Workload, agents: number, agentLabel: string): string {
  const s = workload.schedule;
  const schedule =
    s.kind === 'count'
      ? `${formatCount(s.count)} tasks, ${formatCount(s.concurrency)} outstanding`
      : `${formatCount(s.ratePerSec)} tasks/s for ${formatMs(s.durationMs)} (${formatCount(plannedTasks(s))} tasks)`;
  return `daedalus gate: workload '${workload.name}' (${schedule}) on ${agents} agent${agents === 1 ? '' : 's'} of ${agentLabel}`;
}

function verdictTable(checks: readonly Check[]): string {
  const show = (v: number, unit: Check['unit']): string => (unit === 'ms' ? formatMs(v) : unit === 'tasks/s' ? formatRate(v) : formatCount(v));
  return formatTable(
    ['check', 'threshold', 'measured', 'result'],
    checks.map((c) => [c.name, `${c.op} ${show(c.limit, c.unit)}`, show(c.value, c.unit), c.pass ? 'pass' : 'FAIL']),
  );
}

function typeTable(run: RunResult): string {
  const rows = Object.entries(run.metrics.byType)
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

export async function gateCommand(argv: readonly string[], io: Io): Promise<number> {
  const values = parseFlags(argv, FLAGS, 'gate');
  if (values.help === true) {
    io.out(GATE_HELP);
    return 0;
  }
  const agentRaw = stringFlag(values, 'agent');
  const agentUrl = resolveAgent(agentRaw);
  const workloadPath = stringFlag(values, 'workload');
  const workload = workloadPath === undefined ? builtinWorkload() : loadWorkload(resolve(workloadPath));
  const agents = numberFlag(values, 'agents', { min: 1, max: 256, integer: true }) ?? workload.agents ?? DEFAULT_AGENTS;
  const thresholds = readThresholds(values);
  const reportPath = resolve(stringFlag(values, 'out') ?? DEFAULT_REPORT_PATH);
  const agentLabel = agentRaw === undefined ? 'the built-in agent' : agentRaw;

  // Loaded once every flag and file checked out: a usage error never pays for the pool and HDR modules.
  const [{ runWorkload }, { buildReport, chartPathFor, writeReport }] = await Promise.all([import('./gate-runner.js'), import('./report.js')]);
  io.out(`${describeRun(workload, agents, agentLabel)}\n`);
  const progress = new ProgressBar(io.err);
  let run: RunResult;
  try {
    run = await runWorkload({ agentUrl, workload, agents, onProgress: (f) => progress.update(f, 'gate') });
  } finally {
    progress.stop();
  }

  const checks = evaluate(thresholds, {
    p99AssignmentMs: run.metrics.assignmentLatencyMs.p99,
    throughputPerSec: run.throughputPerSec,
    failedTasks: run.tasks.failed + run.tasks.rejected,
  });
  const report = buildReport({
    version: packageVersion(),
    agent: agentRaw === undefined ? 'builtin' : agentUrl.href,
    workload,
    agents,
    thresholds,
    checks,
    run,
    chartFile: chartPathFor(reportPath),
  });
  const chartPath = writeReport(reportPath, report);

  const t = run.tasks;
  io.out(`\n${formatCount(t.completed)} completed, ${formatCount(t.failed)} failed, ${formatCount(t.rejected)} rejected in ${formatMs(run.durationMs)}`);
  io.out(` (${formatRate(run.throughputPerSec)}; agents ready in ${formatMs(run.startupMs)})\n`);
  if (run.firstFailure !== undefined) io.out(`first failure: ${run.firstFailure.type}: ${run.firstFailure.code}: ${run.firstFailure.message}\n`);
  io.out(`\n${typeTable(run)}\n\n${verdictTable(checks)}\n\n`);
  io.out(`report: ${reportPath}\nchart:  ${chartPath}\n`);
  const failed = checks.filter((c) => !c.pass);
  io.out(failed.length === 0 ? 'PASS\n' : `FAIL: ${failed.map((c) => c.name).join(', ')}\n`);
  return failed.length === 0 ? 0 : 1;
}
