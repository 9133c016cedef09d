/**
 * The gate report: one JSON document a CI job can keep as an artifact and
 * pass back later as --baseline, plus beside it an SVG percentile chart and a
 * `.hgrm` percentile distribution of assignment latency. Latencies are in
 * milliseconds (`...Ms`); the encoded histograms hold microseconds, as their
 * `unit` says.
 *
 * `median` holds the figures every check read (the medians of the measured
 * runs), `runs` each measured run's own figures, and `measured` all measured
 * runs together (counts summed, histograms merged). A run that could not
 * start or finish still gets a report: `ok: false`, `verdict: 'error'`, and
 * `failure` saying why, with no figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { LatencySummary } from '../index.js';
import { percentileChartSvg, type ChartSeries } from './chart.js';
import type { Check, Thresholds } from './checks.js';
import type { Fingerprint } from './fingerprint.js';
import type { EncodedHistograms } from './gate-runner.js';
import type { Failure, WarmupFigures } from './gate-session.js';
import { percentileDistribution } from './hgrm.js';
import type { MachineStamp } from './machine.js';
import type { Combined, Medians, RunFigures } from './runs.js';
import type { Workload } from './workload.js';

export const REPORT_SCHEMA = 'daedalus-gate-report/2';

type Percentiles = Pick<LatencySummary, 'count' | 'p50' | 'p90' | 'p99'>;

export interface Measurement {
  /** Measured runs (--repeat; 1 without it). */
  repeat: number;
  /** Whether a warm-up ran first (it does with --repeat). */
  warmup: boolean;
  /** The warm-up's least duration (--warmup-ms); null without a warm-up. */
  warmupMinMs: number | null;
}

export interface GateReport {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'daedalus'; version: string };
  createdAt: string;
  /** Every check passed: the gate exits 0. */
  ok: boolean;
  /** `error`: the agents could not start or the run broke off (see `failure`); exit code 1 like a failed check. */
  verdict: 'pass' | 'fail' | 'error';
  machine: MachineStamp;
  agent: string;
  fingerprint: Fingerprint;
  workload: Workload & { agents: number; queueCapacity: number };
  measurement: Measurement;
  thresholds: Thresholds;
  checks: Check[];
  failure: Failure | null;
  /** What the reader should know about the comparison (noise wider than the allowance, a changed agent file, ...). */
  notes: string[];
  median: Medians | null;
  warmup: WarmupFigures | null;
  runs: RunFigures[];
  measured: {
    startupMs: number;
    durationMs: number;
    throughputPerSec: number;
    tasks: Combined['tasks'];
    failuresByCode: Record<string, number>;
    firstFailure: Combined['firstFailure'];
    mainThreadGcMs: number;
    assignmentLatencyMs: LatencySummary;
    runTimeMs: LatencySummary;
    endToEndMs: LatencySummary;
    byType: Record<string, { tasks: { completed: number; failed: number; retried: number }; assignmentLatencyMs: Percentiles; runTimeMs: Percentiles; endToEndMs: Percentiles }>;
  } | null;
  histograms: EncodedHistograms | null;
  chart: string | null;
  hgrm: string | null;
}

function pick(s: LatencySummary): Percentiles {
  return { count: s.count, p50: s.p50, p90: s.p90, p99: s.p99 };
}

function siblingPath(reportPath: string, extension: string): string {
  const ext = extname(reportPath);
  return join(dirname(reportPath), `${basename(reportPath, ext.toLowerCase() === '.json' ? ext : '')}${extension}`);
}

/** Where the chart goes: beside the report, same name, `.svg`. */
export function chartPathFor(reportPath: string): string {
  return siblingPath(reportPath, '.svg');
}

/** Where the percentile distribution goes: beside the report, same name, `.hgrm`. */
export function hgrmPathFor(reportPath: string): string {
  return siblingPath(reportPath, '.hgrm');
}

export interface ReportInput {
  version: string;
  machine: MachineStamp;
  reportPath: string;
  agent: string;
  fingerprint: Fingerprint;
  workload: Workload;
  agents: number;
  queueCapacity: number;
  measurement: Measurement;
  thresholds: Thresholds;
  notes: string[];
}

function common(input: ReportInput): Omit<GateReport, 'ok' | 'verdict' | 'checks' | 'failure' | 'median' | 'warmup' | 'runs' | 'measured' | 'histograms' | 'chart' | 'hgrm'> {
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'daedalus', version: input.version },
    createdAt: new Date().toISOString(),
    machine: input.machine,
    agent: input.agent,
    fingerprint: input.fingerprint,
    workload: { ...input.workload, agents: input.agents, queueCapacity: input.queueCapacity },
    measurement: input.measurement,
    thresholds: input.thresholds,
    notes: input.notes,
  };
}

export function buildReport(
  input: ReportInput & { checks: Check[]; startupMs: number; median: Medians; warmup: WarmupFigures | undefined; runs: RunFigures[]; combined: Combined },
): GateReport {
  const c = input.combined;
  const byType: NonNullable<GateReport['measured']>['byType'] = {};
  for (const [type, t] of Object.entries(c.byType)) {
    byType[type] = { tasks: t.tasks, assignmentLatencyMs: pick(t.assignmentLatencyMs), runTimeMs: pick(t.runTimeMs), endToEndMs: pick(t.endToEndMs) };
  }
  const ok = input.checks.every((check) => check.pass);
  return {
    ...common(input),
    ok,
    verdict: ok ? 'pass' : 'fail',
    checks: input.checks,
    failure: null,
    median: input.median,
    warmup: input.warmup ?? null,
    runs: input.runs,
    measured: {
      startupMs: input.startupMs,
      durationMs: c.durationMs,
      throughputPerSec: c.throughputPerSec,
      tasks: c.tasks,
      failuresByCode: c.failuresByCode,
      firstFailure: c.firstFailure,
      mainThreadGcMs: c.mainThreadGcMs,
      assignmentLatencyMs: c.assignmentLatencyMs,
      runTimeMs: c.runTimeMs,
      endToEndMs: c.endToEndMs,
      byType,
    },
    histograms: c.histograms,
    chart: chartPathFor(input.reportPath),
    hgrm: hgrmPathFor(input.reportPath),
  };
}

/** The report of a gate whose agents could not start, or whose run broke off: no figures, the failure. */
export function buildFailureReport(input: ReportInput & { failure: Failure }): GateReport {
  return {
    ...common(input),
    ok: false,
    verdict: 'error',
    checks: [],
    failure: input.failure,
    median: null,
    warmup: null,
    runs: [],
    measured: null,
    histograms: null,
    chart: null,
    hgrm: null,
  };
}

/** The chart's lines: the pool's three overall histograms. */
export function chartSeries(h: EncodedHistograms): ChartSeries[] {
  return [
    { label: 'assignment latency', encoded: h.assignmentLatency },
    { label: 'run time', encoded: h.runTime },
    { label: 'end to end', encoded: h.endToEnd },
  ];
}

/** Writes the JSON report and, when it has figures, its chart and .hgrm (creating the directory). */
export function writeReport(reportPath: string, report: GateReport): void {
  mkdirSync(dirname(reportPath), { recursive: true });
  if (report.histograms !== null && report.chart !== null && report.hgrm !== null) {
    const runs = report.median === null || report.median.runs === 1 ? '' : `, ${report.median.runs} runs`;
    const svg = percentileChartSvg(chartSeries(report.histograms), {
      title: `daedalus gate: ${report.workload.name} (${report.workload.agents} agents${runs}, ${report.verdict})`,
      thresholdMs: report.thresholds.p99AssignmentMs,
      thresholdLabel: `p99 assignment target ${report.thresholds.p99AssignmentMs} ms`,
    });
    writeFileSync(report.chart, svg);
    writeFileSync(report.hgrm, percentileDistribution(report.histograms.assignmentLatency));
  }
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
}
