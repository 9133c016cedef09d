/**
 * From measured passes to the figures a gate reports: each run's own figures,
 * their medians (what the verdict and a later --baseline use), and all
 * measured runs combined (counts summed, HDR histograms merged) for the
 * per-type table, the chart and the .hgrm file.
 *
 * Medians, not means: one run hit by a GC pause or a neighbour's burst of CPU
 * moves a mean of five by a fifth of its excess, the median not at all.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../index.js';
import type { EncodedHistograms, RunResult, TaskCounts } from './gate-runner.js';

export interface RunFigures {
  durationMs: number;
  throughputPerSec: number;
  tasks: TaskCounts;
  assignmentLatencyMs: { p50: number; p90: number; p99: number; max: number };
  mainThreadGcMs: number;
  /** Other processes' share of the machine's CPU during the run, percent; null off Linux. */
  neighbourCpuPct: number | null;
}

export interface Medians {
  /** How many runs the medians are over. */
  runs: number;
  throughputPerSec: number;
  p99AssignmentMs: number;
}

type GroupFigures = {
  tasks: { completed: number; failed: number; retried: number };
  assignmentLatencyMs: LatencySummary;
  runTimeMs: LatencySummary;
  endToEndMs: LatencySummary;
};

/** Every measured run together. */
export interface Combined {
  durationMs: number;
  tasks: TaskCounts;
  throughputPerSec: number;
  failuresByCode: Record<string, number>;
  firstFailure: RunResult['firstFailure'];
  mainThreadGcMs: number;
  assignmentLatencyMs: LatencySummary;
  runTimeMs: LatencySummary;
  endToEndMs: LatencySummary;
  byType: Record<string, GroupFigures>;
  histograms: EncodedHistograms;
}

export function runFigures(r: RunResult): RunFigures {
  const a = r.metrics.assignmentLatencyMs;
  return {
    durationMs: r.durationMs,
    throughputPerSec: r.throughputPerSec,
    tasks: r.tasks,
    assignmentLatencyMs: { p50: a.p50, p90: a.p90, p99: a.p99, max: a.max },
    mainThreadGcMs: r.mainThreadGcMs,
    neighbourCpuPct: r.neighbourCpuPct ?? null,
  };
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
}

export function medians(runs: readonly RunFigures[]): Medians {
  return {
    runs: runs.length,
    throughputPerSec: median(runs.map((r) => r.throughputPerSec)),
    p99AssignmentMs: median(runs.map((r) => r.assignmentLatencyMs.p99)),
  };
}

function mergeEncoded(encoded: readonly string[]): { encoded: string; histogram: hdr.Histogram } {
  const [first, ...rest] = encoded.map((e) => hdr.decodeFromCompressedBase64(e));
  if (first === undefined) throw new RangeError('no histograms to merge');
  for (const h of rest) if (h.totalCount > 0) first.add(h);
  return { encoded: hdr.encodeIntoCompressedBase64(first), histogram: first };
}

/** A LatencySummary (ms) of a histogram of microseconds, as the pool computes it. */
function summarise(h: hdr.Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const ms = (p: number): number => h.getValueAtPercentile(p) / 1000;
  return { count: h.totalCount, avg: h.mean / 1000, p50: ms(50), p90: ms(90), p95: ms(95), p99: ms(99), p999: ms(99.9), max: h.maxValue / 1000 };
}

function sumCounts(runs: readonly RunResult[]): TaskCounts {
  const total: TaskCounts = { planned: 0, submitted: 0, completed: 0, failed: 0, rejected: 0 };
  for (const r of runs) for (const key of Object.keys(total) as (keyof TaskCounts)[]) total[key] += r.tasks[key];
  return total;
}

/** One run as it is; several merged. Throughput is completed tasks over the summed run time. */
export function combineRuns(runs: readonly RunResult[]): Combined {
  const [only] = runs;
  if (only === undefined) throw new RangeError('no runs to combine');
  const failuresByCode: Record<string, number> = {};
  for (const r of runs) for (const [code, n] of Object.entries(r.failuresByCode)) failuresByCode[code] = (failuresByCode[code] ?? 0) + n;
  const durationMs = runs.reduce((s, r) => s + r.durationMs, 0);
  const tasks = sumCounts(runs);
  const base = {
    durationMs,
    tasks,
    throughputPerSec: durationMs > 0 ? (tasks.completed * 1000) / durationMs : 0,
    failuresByCode,
    firstFailure: runs.find((r) => r.firstFailure !== undefined)?.firstFailure,
    mainThreadGcMs: runs.reduce((s, r) => s + r.mainThreadGcMs, 0),
  };
  if (runs.length === 1) {
    const m = only.metrics;
    return { ...base, assignmentLatencyMs: m.assignmentLatencyMs, runTimeMs: m.runTimeMs, endToEndMs: m.endToEndMs, byType: m.byType, histograms: only.histograms };
  }
  const merge = (pick: (h: EncodedHistograms) => string | undefined): { encoded: string; histogram: hdr.Histogram } =>
    mergeEncoded(runs.map((r) => pick(r.histograms)).filter((e): e is string => e !== undefined));
  const assignment = merge((h) => h.assignmentLatency);
  const runTime = merge((h) => h.runTime);
  const endToEnd = merge((h) => h.endToEnd);
  const byType: Record<string, GroupFigures> = {};
  const byTypeHistograms: EncodedHistograms['byType'] = {};
  const types = [...new Set(runs.flatMap((r) => Object.keys(r.histograms.byType)))].sort();
  for (const type of types) {
    const a = merge((h) => h.byType[type]?.assignmentLatency);
    const rt = merge((h) => h.byType[type]?.runTime);
    const e2e = merge((h) => h.byType[type]?.endToEnd);
    byTypeHistograms[type] = { assignmentLatency: a.encoded, runTime: rt.encoded, endToEnd: e2e.encoded };
    const counts = { completed: 0, failed: 0, retried: 0 };
    for (const r of runs) {
      const t = r.metrics.byType[type]?.tasks;
      if (t === undefined) continue;
      counts.completed += t.completed;
      counts.failed += t.failed;
      counts.retried += t.retried;
    }
    byType[type] = { tasks: counts, assignmentLatencyMs: summarise(a.histogram), runTimeMs: summarise(rt.histogram), endToEndMs: summarise(e2e.histogram) };
  }
  const last = runs[runs.length - 1] ?? only;
  return {
    ...base,
    assignmentLatencyMs: summarise(assignment.histogram),
    runTimeMs: summarise(runTime.histogram),
    endToEndMs: summarise(endToEnd.histogram),
    byType,
    histograms: {
      ...only.histograms,
      // The merged window spans the first measured run's start to the last one's end.
      window: { startedAt: only.histograms.window.startedAt, durationMs: last.histograms.window.startedAt + last.histograms.window.durationMs - only.histograms.window.startedAt },
      assignmentLatency: assignment.encoded,
      runTime: runTime.encoded,
      endToEnd: endToEnd.encoded,
      byType: byTypeHistograms,
    },
  };
}
