import type { Alert, AlertSeverity } from '../types.js';

/** What a recorded run says about its task; read only when the run matters (slow, or alerted). */
export interface RunSource {
  readonly id: number;
  readonly traceId: string;
  readonly type: string;
  readonly assignmentLatencyMs: number | undefined;
}

/** Told of each finished run and each failed attempt as they are recorded (the alert monitor). */
export interface RunObserver {
  onRun(task: RunSource, agentId: number, runMs: number): void;
  onAttemptFailed(agentId: number, atMs: number): void;
}

export interface AlertThresholds {
  slowWarningMs: number;
  slowCriticalMs: number;
  typeP95Ms: number | Readonly<Record<string, number>>;
  agentFailuresPerHour: number;
  queueDepthShare: number;
}

export interface RunningTask {
  taskId: number;
  traceId: string;
  type: string;
  agentId: number | undefined;
  runningMs: number;
}

const HOUR_MS = 3_600_000;
const LEVEL: Record<AlertSeverity, number> = { warning: 1, critical: 2 };

/** The highest severity a run time has reached, if any. */
export function slowTaskSeverity(runningMs: number, t: AlertThresholds): AlertSeverity | undefined {
  if (runningMs > t.slowCriticalMs) return 'critical';
  if (runningMs > t.slowWarningMs) return 'warning';
  return undefined;
}

/** The p95 threshold for a type; a per-type map without the type means no alert for it. */
export function typeP95Threshold(type: string, t: AlertThresholds): number | undefined {
  return typeof t.typeP95Ms === 'number' ? t.typeP95Ms : t.typeP95Ms[type];
}

/** Drops failure times older than an hour (the list is in time order) and returns how many remain. */
export function failuresWithinHour(times: number[], nowMs: number): number {
  let stale = 0;
  while (stale < times.length && (times[stale] ?? 0) <= nowMs - HOUR_MS) stale++;
  if (stale > 0) times.splice(0, stale);
  return times.length;
}

/**
 * Edge-triggered alerts: each condition raises one `alert` when it starts and
 * re-arms once it has cleared, so a sustained problem is one event, not one a
 * second. A slow task alerts once per severity it reaches.
 */
export class AlertMonitor implements RunObserver {
  private readonly slowLevel = new Map<number, number>();
  private readonly typesAbove = new Set<string>();
  private readonly failures = new Map<number, number[]>();
  private readonly agentsAbove = new Set<number>();
  private queueAbove = false;

  constructor(private readonly t: AlertThresholds, private readonly raise: (alert: Alert) => void) {}

  /** A task is running (seen by the periodic check) or has just finished with this run time. */
  onRunning(task: RunningTask): void {
    const severity = slowTaskSeverity(task.runningMs, this.t);
    if (severity === undefined || (this.slowLevel.get(task.taskId) ?? 0) >= LEVEL[severity]) return;
    this.slowLevel.set(task.taskId, LEVEL[severity]);
    const threshold = severity === 'critical' ? this.t.slowCriticalMs : this.t.slowWarningMs;
    this.raise({
      kind: 'slowTask',
      severity,
      message: `task ${task.taskId} (${task.type}) has run ${Math.round(task.runningMs)} ms, over ${threshold} ms`,
      threshold,
      value: task.runningMs,
      taskId: task.taskId,
      traceId: task.traceId,
      type: task.type,
      ...(task.agentId === undefined ? {} : { agentId: task.agentId }),
    });
  }

  /** A run ended: alert if it was slow and the periodic check had not caught it yet. */
  onRun(task: RunSource, agentId: number, runMs: number): void {
    // Runs for every task: build nothing unless the run was slow or the task had alerted.
    if (runMs > this.t.slowWarningMs) {
      this.onRunning({ taskId: task.id, traceId: task.traceId, type: task.type, agentId, runningMs: runMs });
    }
    if (this.slowLevel.size > 0) this.slowLevel.delete(task.id);
  }

  onAttemptFailed(agentId: number, atMs: number): void {
    const times = this.failures.get(agentId) ?? [];
    times.push(atMs);
    this.failures.set(agentId, times);
    this.checkAgent(agentId, atMs);
  }

  private checkAgent(agentId: number, nowMs: number): void {
    const times = this.failures.get(agentId);
    const count = times === undefined ? 0 : failuresWithinHour(times, nowMs);
    const limit = this.t.agentFailuresPerHour;
    if (count <= limit) {
      this.agentsAbove.delete(agentId);
      if (count === 0) this.failures.delete(agentId);
      return;
    }
    if (this.agentsAbove.has(agentId)) return;
    this.agentsAbove.add(agentId);
    this.raise({ kind: 'agentFailures', severity: 'critical', message: `agent ${agentId} failed ${count} attempts in the last hour (limit ${limit})`, threshold: limit, value: count, agentId });
  }

  /** The periodic check: running tasks, per-type p95, failure windows and queue depth. */
  tick(nowMs: number, running: Iterable<RunningTask>, typeP95Ms: ReadonlyMap<string, number>, depth: number, capacity: number): void {
    // A task's level is forgotten only when its run is recorded (onRun): a handler
    // that has returned but whose outcome is not read yet is not "running" here,
    // and forgetting it then would raise its alerts a second time. Every started
    // run is recorded (on completion, or on agent exit), so nothing accumulates.
    for (const task of running) this.onRunning(task);
    for (const [type, p95] of typeP95Ms) {
      const threshold = typeP95Threshold(type, this.t);
      if (threshold === undefined || p95 <= threshold) {
        this.typesAbove.delete(type);
        continue;
      }
      if (this.typesAbove.has(type)) continue;
      this.typesAbove.add(type);
      this.raise({ kind: 'typeP95', severity: 'warning', message: `run-time p95 of "${type}" is ${p95} ms, over ${threshold} ms`, threshold, value: p95, type });
    }
    for (const agentId of [...this.failures.keys()]) this.checkAgent(agentId, nowMs);
    const share = capacity > 0 ? depth / capacity : 0;
    if (share <= this.t.queueDepthShare) {
      this.queueAbove = false;
    } else if (!this.queueAbove) {
      this.queueAbove = true;
      this.raise({ kind: 'queueDepth', severity: 'warning', message: `${depth} tasks waiting, ${Math.round(share * 100)}% of the queue capacity ${capacity}`, threshold: this.t.queueDepthShare, value: share });
    }
  }
}
