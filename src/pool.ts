import { Supervisor, type AgentHandle, type SupervisorHooks } from './agents/supervisor.js';
import { CompletionLoop } from './coordinator/completion-loop.js';
import { Coordinator } from './coordinator/coordinator.js';
import { Placement } from './coordinator/placement.js';
import { SlotTable } from './coordinator/slot-table.js';
import { Watchdog } from './coordinator/watchdog.js';
import { DependencyMonitor } from './dependencies.js';
import { InvalidOptionError, PoolClosedError } from './errors.js';
import { TypedEmitter } from './events.js';
import { attachLogger } from './logging.js';
import { IsolationProber } from './metrics/isolation.js';
import { MetricsRecorder } from './metrics/recorder.js';
import { DEFAULTS, resolveOptions, type ResolvedOptions } from './options.js';
import { COMPLETION_RING, C_CURRENT, allocateRegion } from './ring/layout.js';
import { SharedQueue } from './ring/shared-queue.js';
import type {
  AgentSnapshot,
  BottleneckReport,
  IsolationReport,
  PoolMetrics,
  PoolOptions,
  TaskHandle,
  TaskOptions,
  TaskSnapshot,
} from './types.js';

/**
 * The public facade. It wires the parts and holds no algorithm of its own:
 * SharedQueue (shared-memory rings), Placement (where waiting tasks sit),
 * Coordinator (admission, outcomes, failover), Supervisor (agent threads),
 * Watchdog (hangs), DependencyMonitor (held work), MetricsRecorder.
 */
export class CoordinationPool extends TypedEmitter implements AsyncDisposable {
  readonly #options: ResolvedOptions;
  readonly #slots: SlotTable;
  readonly #metrics = new MetricsRecorder();
  readonly #supervisor: Supervisor;
  readonly #placement: Placement;
  readonly #coordinator: Coordinator;
  readonly #completions: CompletionLoop;
  readonly #watchdog: Watchdog;
  readonly #dependencies: DependencyMonitor;
  readonly #prober: IsolationProber;
  readonly #createdAtMs = performance.now();
  #closing: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    super();
    const o = (this.#options = resolveOptions(options));
    const queue = new SharedQueue(
      allocateRegion({
        // Waiting work, plus retries over the bound, plus per agent one running and a full completion ring.
        slots: o.queueCapacity + o.maxSize * (COMPLETION_RING + 2),
        // Spare blocks so a replacement can start while a terminated agent is still exiting.
        blocks: o.maxSize * 2,
        inlineBytes: o.inlinePayloadBytes,
      }),
    );
    this.#slots = new SlotTable(queue);
    const hooks: SupervisorHooks = {
      onReady: (handle, types) => this.#coordinator.onReady(handle, types),
      onMessage: (handle, inc, message) => this.#coordinator.onMessage(handle, inc, message),
      onGone: (handle, inc, exitCode, zombie) => this.#coordinator.onGone(handle, inc, exitCode, zombie),
    };
    this.#supervisor = new Supervisor(o, queue, this, hooks);
    this.#dependencies = new DependencyMonitor(o.dependencies, o.requires, this, (_name, up) => {
      if (up) this.#placement.release();
      else this.#placement.holdQueued();
    });
    this.#placement = new Placement(o, queue, this.#slots, this.#supervisor, this, (type) => this.#dependencies.downFor(type));
    this.#coordinator = new Coordinator(o, this.#slots, this.#placement, this.#supervisor, this.#metrics, this);
    this.#prober = new IsolationProber(this.#supervisor, o.resourceLimits ?? {});
    this.#coordinator.onProbeReply = (_inc, message) => this.#prober.onReply(message.probeId, message.report);
    this.#completions = new CompletionLoop(queue.words, () => this.#coordinator.drainCompletions());
    this.#watchdog = new Watchdog(this.#supervisor, this.#slots, this, o.hangTimeoutMs, o.heartbeatIntervalMs, (slot) => this.#placement.live.get(slot)?.id);
    if (options.logger !== undefined) attachLogger(this, o.logger);
    for (let i = 0; i < o.size; i++) this.#supervisor.addAgent();
    this.#completions.start();
    this.#watchdog.start();
    this.#dependencies.start();
  }

  /** Resolves when every current agent has handshaken; rejects if the pool is degraded. */
  async ready(): Promise<void> {
    await Promise.all([...this.#supervisor.handles.values()].map((h) => h.whenReady()));
  }

  run<T = unknown>(payload: unknown, options?: TaskOptions): Promise<T> {
    try {
      return this.submit<T>(payload, options).result;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Synchronous admission: returns a handle (the task is accepted) or throws. */
  submit<T = unknown>(payload: unknown, options?: TaskOptions): TaskHandle<T> {
    return this.#coordinator.submit<T>(payload, options);
  }

  getTask(id: number): TaskSnapshot | undefined {
    const task = this.#coordinator.getTask(id);
    return task === undefined ? undefined : this.#coordinator.snapshot(task);
  }

  listAgents(): AgentSnapshot[] {
    return [...this.#supervisor.handles.values()].map((h) => this.#snapshotAgent(h));
  }

  #snapshotAgent(handle: AgentHandle): AgentSnapshot {
    const current = handle.inc?.block.load(C_CURRENT) ?? 0;
    return this.#supervisor.snapshot(handle, current === 0 ? undefined : this.#placement.live.get(current - 1)?.id);
  }

  async spawnAgent(): Promise<AgentSnapshot> {
    this.#assertOpen();
    const handle = this.#supervisor.addAgent();
    await handle.whenReady();
    return this.#snapshotAgent(handle);
  }

  /** Grow, or shrink by retiring agents (idle ones first); a retiring agent finishes its task first. */
  async resize(size: number): Promise<void> {
    this.#assertOpen();
    if (!Number.isInteger(size) || size < 1 || size > this.#options.maxSize) {
      throw new InvalidOptionError('size', `an integer from 1 to ${this.#options.maxSize}`, size);
    }
    const waits: Promise<void>[] = [];
    while (this.#supervisor.size < size) waits.push(this.#supervisor.addAgent().whenReady());
    const active = [...this.#supervisor.handles.values()].filter((h) => !h.retiring);
    const surplus = active.length - size;
    if (surplus > 0) {
      const busyFirst = (h: AgentHandle): number => (this.#snapshotAgent(h).status === 'busy' ? 1 : 0);
      const victims = active.sort((a, b) => busyFirst(a) - busyFirst(b) || b.agentId - a.agentId).slice(0, surplus);
      for (const h of victims) {
        const exited = h.inc?.exited;
        this.#supervisor.retire(h);
        if (exited) waits.push(exited);
      }
    }
    await Promise.all(waits);
  }

  /** Declare an agent failed: it is terminated, its task fails over, and it is replaced. */
  async failAgent(agentId: number, reason = 'failed by the application'): Promise<void> {
    const handle = this.#supervisor.handles.get(agentId);
    if (handle === undefined) throw new InvalidOptionError('agentId', `the id of a live agent (${[...this.#supervisor.handles.keys()].join(', ')})`, agentId);
    const inc = handle.inc;
    if (inc === undefined) return;
    this.#supervisor.kill(handle, 'failed', reason);
    await inc.exited;
  }

  metrics(): PoolMetrics {
    const agents = { total: 0, idle: 0, busy: 0, starting: 0, restarting: 0 };
    for (const h of this.#supervisor.handles.values()) {
      const status = this.#snapshotAgent(h).status;
      agents.total++;
      if (status !== 'stopped') agents[status]++;
    }
    const { assignment, run, byType } = this.#metrics.summaries();
    const c = this.#metrics.counts;
    const elapsedMs = performance.now() - this.#createdAtMs;
    const agentMs = elapsedMs * Math.max(1, agents.total);
    return {
      agents,
      queue: { depth: this.#placement.waitingCount() + this.#placement.direct.length, held: this.#placement.held.length, capacity: this.#options.queueCapacity },
      tasks: { ...c, pending: this.#coordinator.tasks.pending.size, running: this.#coordinator.runningCount() },
      utilization: Math.min(1, agentMs > 0 ? this.#metrics.busyMs / agentMs : 0),
      assignmentLatencyMs: assignment,
      runTimeMs: run,
      byType,
      slo: { targetMs: DEFAULTS.sloTargetMs, p99Ms: assignment.p99, ok: assignment.p99 <= DEFAULTS.sloTargetMs },
      degraded: this.#supervisor.degradedError !== undefined,
    };
  }

  bottlenecks(options: { limit?: number } = {}): BottleneckReport {
    return this.#metrics.bottlenecks(options.limit ?? 10);
  }

  isolationReport(): Promise<IsolationReport> {
    return this.#prober.report();
  }

  /** Assignment latency histogram in the standard compressed HDR form (for CI to keep and compare). */
  exportAssignmentHistogram(): string {
    return this.#metrics.assignment.encode();
  }

  /** Resolves when no accepted task is pending. */
  onIdle(): Promise<void> {
    return this.#coordinator.onIdle();
  }

  #assertOpen(): void {
    if (this.#coordinator.closed) throw new PoolClosedError();
  }

  /** drain (default): finish queued and running work, then stop. drain: false: reject what has not started. */
  close(options: { drain?: boolean } = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.drain ?? true);
    return this.#closing;
  }

  async #shutdown(drain: boolean): Promise<void> {
    this.#coordinator.closed = true;
    if (!drain) this.#coordinator.rejectWaiting(false);
    await this.#coordinator.onIdle();
    this.emit('drained', {});
    this.#supervisor.stopping = true;
    const exits = [...this.#supervisor.handles.values()].flatMap((h) => (h.inc ? [h.inc.exited] : []));
    for (const h of [...this.#supervisor.handles.values()]) this.#supervisor.retire(h);
    await Promise.all(exits);
    this.#stopLoops();
  }

  /** Terminate now: every pending promise settles with PoolClosedError. */
  async destroy(): Promise<void> {
    this.#coordinator.closed = true;
    this.#supervisor.stopping = true;
    this.#coordinator.rejectWaiting(true);
    const exits: Promise<void>[] = [];
    for (const h of this.#supervisor.handles.values()) {
      if (h.inc === undefined) continue;
      exits.push(h.inc.exited);
      this.#supervisor.kill(h, 'destroyed');
    }
    this.#supervisor.clearTimers();
    await Promise.all(exits);
    this.#stopLoops();
    this.#closing ??= Promise.resolve();
  }

  #stopLoops(): void {
    this.#completions.stop();
    this.#watchdog.stop();
    this.#dependencies.stop();
    this.#supervisor.clearTimers();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
