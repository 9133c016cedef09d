import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoordinationPool } from '../pool.js';
import type { MetricsCache } from './metrics-cache.js';

/** Seconds buckets for latencies: 100 us to 30 s. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The pool in the Prometheus exposition format, through prom-client: task
 * counters and latency histograms fed by the pool's events (labelled by task
 * type, agent and role), and gauges read from metrics() at each scrape.
 */
export class PoolPrometheus {
  readonly registry = new Registry();
  readonly #roleOf = new Map<number, string>();

  constructor(
    private readonly pool: CoordinationPool,
    metrics: MetricsCache,
  ) {
    const labels = ['type', 'agent', 'role'] as const;
    const tasks = new Counter({ name: 'daedalus_tasks_total', help: 'Tasks that ended, by outcome', labelNames: [...labels, 'outcome'], registers: [this.registry] });
    const retried = new Counter({ name: 'daedalus_task_retries_total', help: 'Tries that failed and were retried', labelNames: labels, registers: [this.registry] });
    const run = new Histogram({ name: 'daedalus_task_run_seconds', help: 'Handler run time of completed tasks', labelNames: labels, buckets: BUCKETS, registers: [this.registry] });
    const assignment = new Histogram({ name: 'daedalus_assignment_latency_seconds', help: 'Accepted submit to handler start, of completed tasks', labelNames: labels, buckets: BUCKETS, registers: [this.registry] });
    pool.on('taskCompleted', (e) => {
      const l = { type: e.type, agent: String(e.agentId), role: this.#role(e.agentId) };
      tasks.inc({ ...l, outcome: 'completed' });
      run.observe(l, e.runMs / 1_000);
      assignment.observe(l, e.assignmentLatencyMs / 1_000);
    });
    pool.on('taskFailed', (e) => tasks.inc({ type: e.type, agent: String(e.agentId ?? ''), role: this.#role(e.agentId), outcome: 'failed' }));
    pool.on('taskCancelled', (e) => tasks.inc({ type: e.type, agent: '', role: '', outcome: 'cancelled' }));
    pool.on('taskRetried', (e) => retried.inc({ type: e.type, agent: String(e.fromAgentId), role: this.#role(e.fromAgentId) }));
    const gauge = (name: string, help: string, labelNames: string[], read: (g: Gauge) => void): void => {
      new Gauge({ name, help, labelNames, registers: [this.registry], collect() { this.reset(); read(this); } });
    };
    gauge('daedalus_agents', 'Agents by role and status', ['role', 'status'], (g) => {
      for (const a of pool.listAgents()) g.inc({ role: a.role, status: a.status });
    });
    gauge('daedalus_queue_depth', 'Tasks waiting for an agent (queued, held, handed over)', [], (g) => g.set(metrics.get().queue.depth));
    gauge('daedalus_queue_held', 'Tasks held for a dependency that is down', [], (g) => g.set(metrics.get().queue.held));
    gauge('daedalus_queue_capacity', 'queueCapacity', [], (g) => g.set(metrics.get().queue.capacity));
    gauge('daedalus_spill_bytes', 'Shared memory the spill area for large payloads has grown to', [], (g) => g.set(metrics.get().sharedMemory.spill.bytes));
    gauge('daedalus_spill_bytes_in_use', 'Spill-area bytes holding payloads of unsettled tasks', [], (g) => g.set(metrics.get().sharedMemory.spill.bytesInUse));
    gauge('daedalus_tasks_pending', 'Accepted tasks not settled', [], (g) => g.set(metrics.get().tasks.pending));
    gauge('daedalus_tasks_running', 'Tasks whose handler runs now', [], (g) => g.set(metrics.get().tasks.running));
    gauge('daedalus_agent_heap_used_bytes', 'V8 heap in use per agent isolate', ['agent', 'role'], (g) => {
      for (const [id, a] of Object.entries(metrics.get().byAgent)) g.set({ agent: id, role: a.role }, a.heapUsedBytes);
    });
    gauge('daedalus_agent_utilization', 'Busy time over agent time in the metrics window, 0..1', ['agent', 'role'], (g) => {
      for (const [id, a] of Object.entries(metrics.get().byAgent)) g.set({ agent: id, role: a.role }, a.utilization);
    });
    gauge('daedalus_slo_assignment_p99_seconds', 'Assignment latency p99 in the metrics window', [], (g) => g.set(metrics.get().slo.p99Ms / 1_000));
  }

  #role(agentId: number | undefined): string {
    if (agentId === undefined) return '';
    let role = this.#roleOf.get(agentId);
    if (role === undefined) {
      for (const a of this.pool.listAgents()) this.#roleOf.set(a.agentId, a.role);
      role = this.#roleOf.get(agentId) ?? '';
    }
    return role;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
