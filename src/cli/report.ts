/**
 * The gate report: one JSON document a CI job can keep as an artifact and
 * pass back later as --baseline, plus an SVG percentile chart next to it.
 * Latencies are in milliseconds (`...Ms`); the encoded histograms hold
 * microseconds, as their `unit` says.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { LatencySummary } from '../index.js';
import { percentileChartSvg, type ChartSeries } from './chart.js';
import type { Check, Thresholds } from './checks.js';
import type { RunResult } from './gate-runner.js';
import { machineStamp, type MachineStamp } from './machine.js';
import type { Workload } from './workload.js';

export const REPORT_SCHEMA = 'daedalus-gate-report/1';

type Percentiles = Pick<LatencySummary, 'count' | 'p50' | 'p90' | 'p99'>;

export interface GateReport {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'daedalus'; version: string };
  createdAt: string;
  verdict: 'pass' | 'fail';
  machine: MachineStamp;
  agent: string;
  workload: Workload & { agents: number; queueCapacity: number };
  thresholds: Thresholds;
  checks: Check[];
  measured: {
    startupMs: number;
    durationMs: number;
    throughputPerSec: number;
    tasks: RunResult['tasks'];
    failuresByCode: Record<string, number>;
    firstFailure: RunResult['firstFailure'];
    assignmentLatencyMs: LatencySummary;
    runTimeMs: LatencySummary;
    endToEndMs: LatencySummary;
    byType: Record<string, { tasks: { completed: number; failed: number; retried: number }; assignmentLatencyMs: Percentiles; runTimeMs: Percentiles; endToEndMs: Percentiles }>;
  };
  histograms: RunResult['histograms'];
  chart: string;
}

function pick(s: LatencySummary): Percentiles {
  return { count: s.count, p50: s.p50, p90: s.p90, p99: s.p99 };
}

/** Where the chart goes: beside the report, same name, `.svg`. */
export function chartPathFor(reportPath: string): string {
  const ext = extname(reportPath);
  return join(dirname(reportPath), `${basename(reportPath, ext.toLowerCase() === '.json' ? ext : '')}.svg`);
}

export function buildReport(input: {
  version: string;
  agent: string;
  workload: Workload;
  agents: number;
  thresholds: Thresholds;
  checks: Check[];
  run: RunResult;
  chartFile: string;
}): GateReport {
  const { run } = input;
  const byType: GateReport['measured']['byType'] = {};
  for (const [type, t] of Object.entries(run.metrics.byType)) {
    byType[type] = { tasks: t.tasks, assignmentLatencyMs: pick(t.assignmentLatencyMs), runTimeMs: pick(t.runTimeMs), endToEndMs: pick(t.endToEndMs) };
  }
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'daedalus', version: input.version },
    createdAt: new Date().toISOString(),
    verdict: input.checks.every((c) => c.pass) ? 'pass' : 'fail',
    machine: machineStamp(),
    agent: input.agent,
    workload: { ...input.workload, agents: input.agents, queueCapacity: run.queueCapacity },
    thresholds: input.thresholds,
    checks: input.checks,
    measured: {
      startupMs: run.startupMs,
      durationMs: run.durationMs,
      throughputPerSec: run.throughputPerSec,
      tasks: run.tasks,
      failuresByCode: run.failuresByCode,
      firstFailure: run.firstFailure,
      assignmentLatencyMs: run.metrics.assignmentLatencyMs,
      runTimeMs: run.metrics.runTimeMs,
      endToEndMs: run.metrics.endToEndMs,
      byType,
    },
    histograms: run.histograms,
    chart: input.chartFile,
  };
}

/** The chart's lines: the pool's three overall histograms. */
export function chartSeries(h: RunResult['histograms']): ChartSeries[] {
  return [
    { label: 'assignment latency', encoded: h.assignmentLatency },
    { label: 'run time', encoded: h.runTime },
    { label: 'end to end', encoded: h.endToEnd },
  ];
}

/** Writes the JSON report and its chart (creating the directory); returns the chart's path. */
export function writeReport(reportPath: string, report: GateReport): string {
  const chartPath = chartPathFor(reportPath);
  mkdirSync(dirname(reportPath), { recursive: true });
  const svg = percentileChartSvg(chartSeries(report.histograms), {
    title: `daedalus gate: ${report.workload.name} (${report.workload.agents} agents, ${report.verdict})`,
    thresholdMs: report.thresholds.p99AssignmentMs,
    thresholdLabel: `p99 assignment target ${report.thresholds.p99AssignmentMs} ms`,
  });
  writeFileSync(chartPath, svg);
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return chartPath;
}
