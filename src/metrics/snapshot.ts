import type { AgentMetrics, AgentStatus, PoolMetrics, RoleMetrics } from '../types.js';
import type { MetricsRecorder } from './recorder.js';
import { GroupStats } from './window.js';

/** What the facade gathers from live agents for one metrics() call. */
export interface AgentSample {
  agentId: number;
  role: string;
  generation: number;
  status: AgentStatus;
  /** Epoch ms the agent (its stable id, not the incarnation) was created. */
  createdAtMs: number;
  heapUsedBytes: number;
  eventLoopUtilization: number;
}

export interface PoolSample {
  flows: PoolMetrics['flows'];
  agents: AgentSample[];
  queue: PoolMetrics['queue'];
  pending: number;
  running: number;
  degraded: boolean;
  spill: PoolMetrics['sharedMemory']['spill'];
  sloTargetMs: number;
  nowMs: number;
}

const EMPTY = new GroupStats();

/**
 * Turns the recorder's current window and a sample of the live pool into the
 * PoolMetrics snapshot. Utilization is busy time over the time each agent
 * existed inside the window, so agents added mid-window do not dilute it.
 */
export function buildMetrics(recorder: MetricsRecorder, sample: PoolSample): PoolMetrics {
  recorder.collect();
  const w = recorder.window;
  const life = recorder.lifetime;
  const lifeHistograms = recorder.lifetimeHistograms();
  const agents = { total: 0, idle: 0, busy: 0, starting: 0, restarting: 0, abandoned: 0 };
  const byAgent: Record<string, AgentMetrics> = {};
  const byRole: Record<string, RoleMetrics & { aliveMs: number; busyMs: number }> = {};
  let agentMs = 0;
  for (const a of sample.agents) {
    agents.total++;
    if (a.status !== 'stopped') agents[a.status]++;
    const aliveMs = Math.max(0, sample.nowMs - Math.max(w.startedAt, a.createdAtMs));
    agentMs += aliveMs;
    const stats = w.byAgent.get(a.agentId) ?? EMPTY;
    const summary = stats.summary();
    const role = (byRole[a.role] ??= { agents: { total: 0, idle: 0, busy: 0, starting: 0, restarting: 0, abandoned: 0 }, tasks: { completed: 0, failed: 0, retried: 0 }, utilization: 0, aliveMs: 0, busyMs: 0 });
    role.agents.total++;
    if (a.status !== 'stopped') role.agents[a.status]++;
    role.tasks.completed += summary.tasks.completed;
    role.tasks.failed += summary.tasks.failed;
    role.tasks.retried += summary.tasks.retried;
    role.aliveMs += aliveMs;
    role.busyMs += stats.busyMs;
    byAgent[a.agentId] = {
      ...summary,
      role: a.role,
      generation: a.generation,
      status: a.status,
      utilization: ratio(stats.busyMs, aliveMs),
      heapUsedBytes: a.heapUsedBytes,
      eventLoopUtilization: a.eventLoopUtilization,
    };
  }
  const roles: Record<string, RoleMetrics> = {};
  for (const [name, r] of Object.entries(byRole)) roles[name] = { agents: r.agents, tasks: r.tasks, utilization: ratio(r.busyMs, r.aliveMs) };
  const byType: PoolMetrics['byType'] = {};
  for (const [type, stats] of w.byType) byType[type] = stats.summary();
  const all = w.all.summary();
  const window = { startedAt: w.startedAt, durationMs: sample.nowMs - w.startedAt };
  return {
    agents,
    queue: sample.queue,
    tasks: { ...w.counts, pending: sample.pending, running: sample.running },
    utilization: ratio(w.all.busyMs, agentMs),
    assignmentLatencyMs: all.assignmentLatencyMs,
    runTimeMs: all.runTimeMs,
    endToEndMs: all.endToEndMs,
    byType,
    byAgent,
    byRole: roles,
    slo: { targetMs: sample.sloTargetMs, p99Ms: all.assignmentLatencyMs.p99, ok: all.assignmentLatencyMs.p99 <= sample.sloTargetMs, window },
    window,
    lifetime: {
      tasks: { ...life.counts },
      assignmentLatencyMs: lifeHistograms.assignment.summary(),
      runTimeMs: lifeHistograms.run.summary(),
      endToEndMs: lifeHistograms.endToEnd.summary(),
    },
    degraded: sample.degraded,
    flows: sample.flows,
    sharedMemory: { spill: sample.spill },
  };
}

function ratio(busyMs: number, totalMs: number): number {
  return totalMs > 0 ? Math.min(1, busyMs / totalMs) : 0;
}
