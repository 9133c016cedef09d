import { DEFAULTS } from '../options.js';
import { nowMs } from '../clock.js';
import type { BottleneckEntry, BottleneckReport, HistogramExport, HistogramSet } from '../types.js';
import { TaskStep } from '../event-journal.js';
import type { RunObserver, RunSource } from './alerts.js';
import { LatencyHistogram } from './histogram.js';
import { MetricsWindow } from './window.js';

/** Where agents' own latency counts come from (the agent registry): handed to `sink` on each read. */
export interface AgentLatencySource {
  drainLatencies(sink: AgentLatencySink): void;
}

/** Takes counts agents made in shared memory (kind 0: assignment latency, 1: run time; HDR indices). */
export interface AgentLatencySink {
  absorbLatency(agentId: number, type: string, kind: number, index: number, count: number): void;
  absorbLatencyMax(agentId: number, type: string, kind: number, us: number): void;
}

/** Takes a task step (the event journal). */
export interface StepSink {
  step(kind: number, taskId: number, type: string, agentId: number, atMs: number, ms: number): void;
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
 * Everything a task's life records: counters and latency histograms for the
 * current window (overall, per type, per agent) and for the pool's lifetime,
 * the slowest tasks of the window, and recent throughput. O(1) amortised per
 * event; summaries are computed only when metrics() asks.
 */
export class MetricsRecorder implements AgentLatencySink {
  window: MetricsWindow;
  readonly lifetime: MetricsWindow;
  private slowest: BottleneckEntry[] = [];
  private readonly throughput = new ThroughputWindow();

  constructor(
    /** Told of each finished run and failed attempt (the alert monitor). */
    private readonly observer: RunObserver | undefined = undefined,
    private readonly slowestKept: number = DEFAULTS.slowestTasksKept,
    /** Where each task's routine steps go (the event journal's typed-array ring). */
    private readonly steps: StepSink | undefined = undefined,
    /** The agents' own counts of assignment latency and run time, taken before every read. */
    private readonly latencies: AgentLatencySource | undefined = undefined,
  ) {
    const now = nowMs();
    this.window = new MetricsWindow(now, true);
    this.lifetime = new MetricsWindow(now, false);
  }

  /** Starts a new window; lifetime totals carry on (the closed window's histograms are folded into them). */
  reset(): void {
    this.collect();
    const all = this.window.all;
    this.lifetime.all.assignment.addAll(all.assignment);
    this.lifetime.all.run.addAll(all.run);
    this.lifetime.all.endToEnd.addAll(all.endToEnd);
    this.window = new MetricsWindow(nowMs(), true);
    this.slowest = [];
  }

  recordSubmitted(): void {
    this.window.counts.submitted++;
    this.lifetime.counts.submitted++;
  }

  recordRejected(): void {
    this.window.counts.rejected++;
    this.lifetime.counts.rejected++;
  }

  /** The ledger's admission observer: the task's first step. */
  onAdmitted(task: { id: number; type: string; queuedAt: number }): void {
    this.steps?.step(TaskStep.QUEUED, task.id, task.type, -1, task.queuedAt, 0);
  }

  /**
   * Takes what agents counted since the last read into the window. Every
   * read of the histograms calls it first, so they are exact when read.
   */
  collect(): void {
    this.latencies?.drainLatencies(this);
  }

  absorbLatency(agentId: number, type: string, kind: number, index: number, count: number): void {
    this.window.absorb(kind, type, agentId, index, count);
  }

  absorbLatencyMax(agentId: number, type: string, kind: number, us: number): void {
    this.window.absorbMax(kind, type, agentId, us);
  }

  /**
   * A try's handler started (each try once). Assignment latency (accepted
   * submit to the first handler start) is recorded for the first try only,
   * and only here when the agent did not count it (`histogram`).
   */
  recordStart(task: { id: number; type: string }, agentId: number, assignmentMs: number, startedAt: number, histogram: boolean): void {
    if (histogram) this.window.recordStart(task.type, agentId, assignmentMs);
    this.steps?.step(TaskStep.STARTED, task.id, task.type, agentId, startedAt, assignmentMs);
  }

  /**
   * A try's run, recorded once (the histogram only when the agent did not
   * count it). The bottleneck entry is built only when the run is among the slowest.
   */
  recordRun(task: RunSource, agentId: number, attempt: number, startedAt: number, finishedAt: number, histogram = true): void {
    const runMs = Math.max(0, finishedAt - startedAt);
    this.window.recordRun(task.type, agentId, runMs, histogram);
    const list = this.slowest;
    if (list.length < this.slowestKept || (list[list.length - 1]?.runMs ?? 0) < runMs) {
      this.keepIfSlow({ taskId: task.id, traceId: task.traceId, type: task.type, agentId, attempt, runMs, waitMs: task.assignmentLatencyMs ?? 0, startedAt, finishedAt });
    }
    this.observer?.onRun(task, agentId, runMs);
  }

  recordAttemptFailed(agentId: number, atMs: number): void {
    this.observer?.onAttemptFailed(agentId, atMs);
  }

  recordRetry(type: string, fromAgentId: number): void {
    this.window.recordRetry(type, fromAgentId);
    this.lifetime.recordRetry(type, fromAgentId);
  }

  recordSettled(status: 'completed' | 'failed' | 'cancelled', type: string, agentId: number | undefined, queuedAt: number, finishedAt: number): void {
    const endToEndMs = status === 'cancelled' ? undefined : finishedAt - queuedAt;
    this.window.recordSettled(status, type, agentId, endToEndMs);
    this.lifetime.counts[status]++;
    this.throughput.add(finishedAt);
  }

  /** The ledger's settle observer: one call per settled task. */
  onSettled(task: { id: number; type: string; agentId: number | undefined; queuedAt: number; startedAt: number | undefined; finishedAt: number | undefined }, phase: 'completed' | 'failed' | 'cancelled'): void {
    const finishedAt = task.finishedAt ?? task.queuedAt;
    this.recordSettled(phase, task.type, task.agentId, task.queuedAt, finishedAt);
    // Failures and cancellations are journaled as full events; a completion is a step.
    if (phase === 'completed') this.steps?.step(TaskStep.COMPLETED, task.id, task.type, task.agentId ?? -1, finishedAt, finishedAt - (task.startedAt ?? finishedAt));
  }

  /**
   * The lifetime histograms: the closed windows (folded in at each reset) plus
   * the current one, merged when read. Recording each value once, in the
   * window only, keeps the hot path to one histogram per group.
   */
  lifetimeHistograms(): { assignment: LatencyHistogram; run: LatencyHistogram; endToEnd: LatencyHistogram } {
    this.collect();
    const life = this.lifetime.all;
    const w = this.window.all;
    return {
      assignment: LatencyHistogram.merged(life.assignment, w.assignment),
      run: LatencyHistogram.merged(life.run, w.run),
      endToEnd: LatencyHistogram.merged(life.endToEnd, w.endToEnd),
    };
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

  /** Run-time p95 per type in the current window (for alerts). */
  typeP95Ms(): Map<string, number> {
    this.collect();
    const out = new Map<string, number>();
    for (const [type, stats] of this.window.byType) if (stats.run.count > 0) out.set(type, stats.run.percentileMs(95));
    return out;
  }

  bottlenecks(limit: number): BottleneckReport {
    this.collect();
    const byType: BottleneckReport['byType'] = {};
    for (const [type, stats] of this.window.byType) {
      const h = stats.run;
      byType[type] = { p50: h.percentileMs(50), p95: h.percentileMs(95), p99: h.percentileMs(99), count: h.count };
    }
    return { slowest: this.slowest.slice(0, limit).map((e) => ({ ...e })), byType };
  }

  /** The window's overall assignment-latency histogram, encoded. */
  exportAssignment(): string {
    this.collect();
    return this.window.all.assignment.encode();
  }

  exportHistograms(): HistogramExport {
    this.collect();
    const w = this.window;
    const byType: Record<string, HistogramSet> = {};
    for (const [type, stats] of w.byType) byType[type] = stats.encode();
    return { unit: 'us', encoding: 'hdr-compressed-base64', window: { startedAt: w.startedAt, durationMs: nowMs() - w.startedAt }, ...w.all.encode(), byType };
  }
}
