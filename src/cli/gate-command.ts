/**
 * `daedalus gate`: flags -> agent module + workload + thresholds, the
 * fingerprint and baseline checks (before anything runs), the runs, verdict,
 * report (+ chart, .hgrm) and Markdown summaries. Returns the exit code:
 * 0 pass, 1 a failed check or a run that could not start or finish (a report
 * is still written); usage problems throw UsageError (exit 2).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, numberFlag, parseFlags, percentFlag, redisFlags, stringFlag, type FlagSpec, type FlagValues } from './args.js';
import { baselineNotes } from './baseline-notes.js';
import { DEFAULT_MAX_REGRESSION_PCT, evaluate, loadBaseline, type Thresholds } from './checks.js';
import { computeFingerprint, type Fingerprint } from './fingerprint.js';
import { describeRun, resultText } from './gate-output.js';
import { gateProgress, progressIntervalMs } from './gate-progress.js';
import { GATE_HELP, packageVersion } from './help.js';
import { machineStamp } from './machine.js';
import type { Measurement, ReportInput } from './report.js';
import { STEP_SUMMARY_ENV, markdownSummary, writeSummaries } from './summary.js';
import { builtinWorkload, effectiveQueueCapacity, loadWorkload } from './workload.js';

const FLAGS: FlagSpec = {
  agent: { type: 'string' },
  workload: { type: 'string' },
  agents: { type: 'string' },
  repeat: { type: 'string' },
  'warmup-ms': { type: 'string' },
  'p99-assignment-ms': { type: 'string' },
  'min-throughput': { type: 'string' },
  'max-failed': { type: 'string' },
  baseline: { type: 'string' },
  'max-regression': { type: 'string' },
  out: { type: 'string' },
  summary: { type: 'string' },
  redis: { type: 'string' },
  queue: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const DEFAULT_P99_ASSIGNMENT_MS = 500;
export const DEFAULT_REPORT_PATH = 'daedalus-gate-report.json';
/** The warm-up under --repeat: agent threads and the main thread reach steady speed after a second or two of work. */
export const DEFAULT_WARMUP_MS = 2_000;
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

function readThresholds(values: FlagValues, fingerprint: Fingerprint): Thresholds {
  const baselinePath = stringFlag(values, 'baseline');
  const maxRegressionPct = percentFlag(values, 'max-regression');
  if (maxRegressionPct !== undefined && baselinePath === undefined) {
    throw new UsageError('--max-regression', '--max-regression compares against a previous report: give --baseline previous.json too');
  }
  const p99AssignmentMs = numberFlag(values, 'p99-assignment-ms', { min: 0, max: 86_400_000, exclusiveMin: true }) ?? DEFAULT_P99_ASSIGNMENT_MS;
  const minThroughputPerSec = numberFlag(values, 'min-throughput', { min: 0, max: 1e12 });
  const maxFailedTasks = numberFlag(values, 'max-failed', { min: 0, max: 1e12, integer: true }) ?? 0;
  return {
    p99AssignmentMs,
    minThroughputPerSec,
    maxFailedTasks,
    // Read last: every flag is checked before the baseline file is, and the fingerprint before its figures.
    baseline: baselinePath === undefined ? undefined : loadBaseline(resolve(baselinePath), fingerprint),
    maxRegressionPct: baselinePath === undefined ? undefined : (maxRegressionPct ?? DEFAULT_MAX_REGRESSION_PCT),
  };
}

/** --repeat N: a warm-up and N measured runs. Without it: one cold run, as the gate always did. */
function readMeasurement(values: FlagValues): Measurement {
  const repeat = numberFlag(values, 'repeat', { min: 1, max: 100, integer: true });
  const warmupMs = numberFlag(values, 'warmup-ms', { min: 0, max: 600_000 });
  if (warmupMs !== undefined && repeat === undefined) {
    throw new UsageError('--warmup-ms', '--warmup-ms sets the warm-up of --repeat: give --repeat N too (without it the gate makes one run and no warm-up)');
  }
  if (repeat === undefined) return { repeat: 1, warmup: false, warmupMinMs: null };
  return { repeat, warmup: true, warmupMinMs: warmupMs ?? DEFAULT_WARMUP_MS };
}

export async function gateCommand(argv: readonly string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
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
  const measurement = readMeasurement(values);
  const reportPath = resolve(stringFlag(values, 'out') ?? DEFAULT_REPORT_PATH);
  const summaryFlag = stringFlag(values, 'summary');
  const summaryTargets = { file: summaryFlag === undefined ? undefined : resolve(summaryFlag), stepSummary: env[STEP_SUMMARY_ENV] };
  const intervalMs = progressIntervalMs(env);
  const fingerprint = computeFingerprint({ workload, agentUrl, builtinAgent: agentRaw === undefined, agents, cwd: process.cwd() });
  const thresholds = readThresholds(values, fingerprint);
  const agentLabel = agentRaw === undefined ? 'the built-in agent' : agentRaw;
  const redis = redisFlags(values);

  // Loaded once every flag and file checked out: a usage error never pays for the pool and HDR modules.
  const [{ runSession }, runsModule, report] = await Promise.all([import('./gate-session.js'), import('./runs.js'), import('./report.js')]);
  io.out(`${describeRun(workload, agents, agentLabel, measurement)}\n`);
  const progress = gateProgress(io.err, intervalMs);
  let outcome: Awaited<ReturnType<typeof runSession>>;
  try {
    outcome = await runSession({ agentUrl, workload, agents, repeat: measurement.repeat, warmupMinMs: measurement.warmupMinMs ?? undefined, progress, redis });
  } finally {
    progress.finish(`done, ${measurement.repeat === 1 ? '1 run' : `${measurement.repeat} runs`}${measurement.warmup ? ' after a warm-up' : ''}`);
  }

  const machine = machineStamp();
  const base: ReportInput = {
    version: packageVersion(),
    machine,
    reportPath,
    agent: agentRaw === undefined ? 'builtin' : agentUrl.href,
    fingerprint,
    workload,
    agents,
    queueCapacity: effectiveQueueCapacity(workload),
    measurement,
    thresholds,
    notes: [],
  };
  if (!outcome.ok) {
    const failed = report.buildFailureReport({ ...base, failure: outcome.failure });
    report.writeReport(reportPath, failed);
    const summaries = writeSummaries(markdownSummary(failed), summaryTargets);
    const what = outcome.failure.stage === 'startup' ? 'the agents could not start' : 'the run could not finish';
    io.err.write(`daedalus: ${what}: ${outcome.failure.code}: ${outcome.failure.message}\n`);
    io.out(resultText(failed, { report: reportPath, summaries }));
    return 1;
  }

  const figures = outcome.runs.map((r) => runsModule.runFigures(r));
  const medians = runsModule.medians(figures);
  const combined = runsModule.combineRuns(outcome.runs);
  const checks = evaluate(thresholds, {
    medians,
    runs: figures.map((f) => ({ throughputPerSec: f.throughputPerSec, p99AssignmentMs: f.assignmentLatencyMs.p99, neighbourCpuPct: f.neighbourCpuPct })),
    failedTasks: combined.tasks.failed + combined.tasks.rejected,
  });
  const notes =
    thresholds.baseline === undefined
      ? []
      : baselineNotes({ baseline: thresholds.baseline, checks, neighbourCpuPct: figures.map((f) => f.neighbourCpuPct), measurement, agentSha256: fingerprint.agentSha256, machine: { node: machine.node, cpuModel: machine.cpuModel } });
  const gateReport = report.buildReport({
    ...base,
    queueCapacity: outcome.queueCapacity,
    notes,
    checks,
    startupMs: outcome.startupMs,
    median: medians,
    warmup: outcome.warmup,
    runs: figures,
    combined,
  });
  report.writeReport(reportPath, gateReport);
  const summaries = writeSummaries(markdownSummary(gateReport), summaryTargets);
  io.out(resultText(gateReport, { report: reportPath, summaries }));
  return gateReport.ok ? 0 : 1;
}
