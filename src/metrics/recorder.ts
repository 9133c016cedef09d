import { DEFAULTS } from '../options.js';
import type { BottleneckEntry, BottleneckReport, LatencySummary } from '../types.js';
import { LatencyHistogram } from './histogram.js';

interface TypeHistograms {
  assignment: LatencyHistogram;
  run: LatencyHistogram;
}

export interface TaskCounts {
  submitted: number;
  rejected: number;
  completed: number;
  failed: number;
  cancelled: number;
  retried: number;
}

/** Completions per second over the last few seconds: the basis of QueueFullError's retryAfterMs. */
class ThroughputWindow {
  private readonly bucketMs = 1_000;
  private readonly buckets = new Float64Array(5);
  private bucketStart = 0;

  add(atMs: number): void {
    this.roll(atMs);
    this.buckets[0] = (this.buckets[0] ?? 0) + 1;
  }

  perSecond(atMs: number): number {
    this.roll(atMs);
    let sum = 0;
    for (const n of this.buckets) sum += n;
    return sum / this.buckets.length;
  }

  private roll(atMs: number): void {
    const steps = Math.floor((atMs - this.bucketStart) / this.bucketMs);
    if (steps <= 0) return;
    this.buckets.copyWithin(Math.min(steps, this.buckets.length), 0);
    this.buckets.fill(0, 0, Math.min(steps, this.buckets.length));
    this.bucketStart += steps * this.bucketMs;
  }
}

/**
 * Counters, latency histograms (overall and per type) and the slowest tasks.
 * Everything a task's completion records happens here, in O(1) amortised.
 */
export class MetricsRecorder {
  readonly counts: TaskCounts = { submitted: 0, rejected: 0, completed: 0, failed: 0, cancelled: 0, retried: 0 };
  readonly assignment = new LatencyHistogram();
  readonly run = new LatencyHistogram();
  private readonly byType = new Map<string, TypeHistograms>();
  private readonly slowest: BottleneckEntry[] = [];
  private readonly throughput = new ThroughputWindow();
  busyMs = 0;

  constructor(private readonly slowestKept: number = DEFAULTS.slowestTasksKept) {}

  private typeHistograms(type: string): TypeHistograms {
    let h = this.byType.get(type);
    if (h === undefined) {
      h = { assignment: new LatencyHistogram(), run: new LatencyHistogram() };
      this.byType.set(type, h);
    }
    return h;
  }

  /** A handler started: assignment latency is accepted-submit to handler start. */
  recordStart(type: string, assignmentMs: number): void {
    this.assignment.recordMs(assignmentMs);
    this.typeHistograms(type).assignment.recordMs(assignmentMs);
  }

  recordRun(entry: BottleneckEntry): void {
    this.run.recordMs(entry.runMs);
    this.typeHistograms(entry.type).run.recordMs(entry.runMs);
    this.busyMs += entry.runMs;
    this.keepIfSlow(entry);
  }

  recordSettled(atMs: number): void {
    this.throughput.add(atMs);
  }

  completionsPerSecond(atMs: number): number {
    return this.throughput.perSecond(atMs);
  }

  private keepIfSlow(entry: BottleneckEntry): void {
    const list = this.slowest;
    if (list.length >= this.slowestKept && (list[list.length - 1]?.runMs ?? 0) >= entry.runMs) return;
    // Sorted descending by run time; the list is short (100), so insertion is cheap.
    let i = list.length;
    while (i > 0 && (list[i - 1]?.runMs ?? 0) < entry.runMs) i--;
    list.splice(i, 0, entry);
    if (list.length > this.slowestKept) list.pop();
  }

  summaries(): { assignment: LatencySummary; run: LatencySummary; byType: Record<string, { assignmentLatencyMs: LatencySummary; runTimeMs: LatencySummary }> } {
    const byType: Record<string, { assignmentLatencyMs: LatencySummary; runTimeMs: LatencySummary }> = {};
    for (const [type, h] of this.byType) byType[type] = { assignmentLatencyMs: h.assignment.summary(), runTimeMs: h.run.summary() };
    return { assignment: this.assignment.summary(), run: this.run.summary(), byType };
  }

  bottlenecks(limit: number): BottleneckReport {
    const byType: BottleneckReport['byType'] = {};
    for (const [type, h] of this.byType) {
      byType[type] = { p50: h.run.percentileMs(50), p95: h.run.percentileMs(95), p99: h.run.percentileMs(99), count: h.run.count };
    }
    return { slowest: this.slowest.slice(0, limit).map((e) => ({ ...e })), byType };
  }
}
