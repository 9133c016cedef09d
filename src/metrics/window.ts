import type { GroupMetrics, HistogramSet } from '../types.js';
import { LatencyHistogram } from './histogram.js';

export interface TaskCounts {
  submitted: number;
  rejected: number;
  completed: number;
  failed: number;
  cancelled: number;
  retried: number;
}

/** Counts and the three latency histograms of one group of tasks (all, one type, one agent). */
export class GroupStats {
  completed = 0;
  failed = 0;
  retried = 0;
  busyMs = 0;
  readonly assignment = new LatencyHistogram();
  readonly run = new LatencyHistogram();
  readonly endToEnd = new LatencyHistogram();

  summary(): GroupMetrics {
    return {
      tasks: { completed: this.completed, failed: this.failed, retried: this.retried },
      assignmentLatencyMs: this.assignment.summary(),
      runTimeMs: this.run.summary(),
      endToEndMs: this.endToEnd.summary(),
    };
  }

  encode(): HistogramSet {
    return { assignmentLatency: this.assignment.encode(), runTime: this.run.encode(), endToEnd: this.endToEnd.encode() };
  }
}

/** The histogram of an agent-counted kind: 0 assignment latency, 1 run time (ring/latency-counts.ts LatencyKind). */
function latencyOf(g: GroupStats, kind: number): LatencyHistogram {
  return kind === 0 ? g.assignment : g.run;
}

function statsFor<K>(map: Map<K, GroupStats>, key: K): GroupStats {
  let stats = map.get(key);
  if (stats === undefined) {
    stats = new GroupStats();
    map.set(key, stats);
  }
  return stats;
}

/**
 * One metrics window: the pool's counters and histograms overall, per task type
 * and per agent, from `startedAt` until the next resetMetrics(). The lifetime
 * window keeps no per-type or per-agent histograms (`detailed: false`): nobody
 * needs them twice, and each costs tens of kilobytes.
 */
export class MetricsWindow {
  readonly counts: TaskCounts = { submitted: 0, rejected: 0, completed: 0, failed: 0, cancelled: 0, retried: 0 };
  readonly all = new GroupStats();
  readonly byType = new Map<string, GroupStats>();
  readonly byAgent = new Map<number, GroupStats>();

  constructor(readonly startedAt: number, private readonly detailed: boolean) {}

  recordStart(type: string, agentId: number, assignmentMs: number): void {
    this.all.assignment.recordMs(assignmentMs);
    if (!this.detailed) return;
    statsFor(this.byType, type).assignment.recordMs(assignmentMs);
    statsFor(this.byAgent, agentId).assignment.recordMs(assignmentMs);
  }

  /** `histogram: false`: the agent counted the run time itself (absorbed later); only busy time is added here. */
  recordRun(type: string, agentId: number, runMs: number, histogram = true): void {
    if (histogram) this.all.run.recordMs(runMs);
    this.all.busyMs += runMs;
    if (!this.detailed) return;
    if (histogram) statsFor(this.byType, type).run.recordMs(runMs);
    const agent = statsFor(this.byAgent, agentId);
    if (histogram) agent.run.recordMs(runMs);
    agent.busyMs += runMs;
  }

  /** Counts an agent made itself (kind 0: assignment latency, 1: run time) at one HDR index. */
  absorb(kind: number, type: string, agentId: number, index: number, count: number): void {
    latencyOf(this.all, kind).addAt(index, count);
    if (!this.detailed) return;
    latencyOf(statsFor(this.byType, type), kind).addAt(index, count);
    latencyOf(statsFor(this.byAgent, agentId), kind).addAt(index, count);
  }

  /** The exact largest of the values an agent counted (see absorb); groups absorb made already exist. */
  absorbMax(kind: number, type: string, agentId: number, us: number): void {
    for (const g of [this.all, this.byType.get(type), this.byAgent.get(agentId)]) if (g !== undefined) latencyOf(g, kind).noteMaxUs(us);
  }

  recordRetry(type: string, fromAgentId: number): void {
    this.counts.retried++;
    if (!this.detailed) return;
    statsFor(this.byType, type).retried++;
    statsFor(this.byAgent, fromAgentId).retried++;
  }

  /** A task settled; endToEndMs is undefined for cancelled tasks (they say nothing about the pool's speed). */
  recordSettled(status: 'completed' | 'failed' | 'cancelled', type: string, agentId: number | undefined, endToEndMs: number | undefined): void {
    this.counts[status]++;
    if (status === 'cancelled') return;
    if (endToEndMs !== undefined) this.all.endToEnd.recordMs(endToEndMs);
    if (!this.detailed) return;
    const typeStats = statsFor(this.byType, type);
    typeStats[status]++;
    if (endToEndMs !== undefined) typeStats.endToEnd.recordMs(endToEndMs);
    if (agentId === undefined) return;
    const agentStats = statsFor(this.byAgent, agentId);
    agentStats[status]++;
    if (endToEndMs !== undefined) agentStats.endToEnd.recordMs(endToEndMs);
  }
}
