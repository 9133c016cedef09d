import { Supervisor, type AgentHandle, type SupervisorHooks } from './agents/supervisor.js';
import { CompletionLoop } from './coordinator/completion-loop.js';
import { Coordinator } from './coordinator/coordinator.js';
import { Placement } from './coordinator/placement.js';
import { SlotTable } from './coordinator/slot-table.js';
import { Watchdog } from './coordinator/watchdog.js';
import { DependencyMonitor } from './dependencies.js';
import { InvalidOptionError, PoolClosedError } from './errors.js';
import { TaskViews } from './coordinator/task-views.js';
import { EventJournal } from './event-journal.js';
import { TRACE_EVENTS, TypedEmitter, type PoolEventMap, type PoolEventName } from './events.js';
import { attachLogger } from './logging.js';
import { AlertMonitor } from './metrics/alerts.js';
import { IsolationProber } from './metrics/isolation.js';
import { MetricsRecorder } from './metrics/recorder.js';
import { buildMetrics } from './metrics/snapshot.js';
import { DEFAULTS, resolveOptions, type ResolvedOptions } from './options.js';
import { COMPLETION_RING, C_CURRENT, allocateRegion, nowMs } from './ring/layout.js';
import { SharedQueue } from './ring/shared-queue.js';
import type {
  AgentSnapshot,
  BottleneckReport,
  HistogramExport,
  IsolationReport,
  PoolMetrics,
  RecentEvent,
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
  readonly #views: TaskViews;
  readonly #journal: EventJournal;
  readonly #alerts: AlertMonitor;
  readonly #alertTimer: NodeJS.Timeout;
  #closing: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    super();
    const o = (this.#options = resolveOptions(options));
    this.#journal = new EventJournal(o.eventJournalSize);
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
    this.#views = new TaskViews(this.#slots, this.#placement, this.#supervisor);
    this.#alerts = new AlertMonitor(o.alerts, (alert) => this.emit('alert', alert));
    this.#metrics.observer = this.#alerts;
    this.#prober = new IsolationProber(this.#supervisor, o.resourceLimits ?? {});
    this.#coordinator.onProbeReply = (_inc, message) => this.#prober.onReply(message.probeId, message.report);
    this.#completions = new CompletionLoop(queue.words, () => this.#coordinator.drainCompletions());
    this.#watchdog = new Watchdog(this.#supervisor, this.#slots, this, o.hangTimeoutMs, o.heartbeatIntervalMs, (slot) => this.#placement.live.get(slot));
    if (options.logger !== undefined) attachLogger(this, o.logger);
    for (let i = 0; i < o.size; i++) this.#supervisor.addAgent();
    this.#completions.start();
    this.#watchdog.start();
    this.#dependencies.start();
    this.#alertTimer = setInterval(() => {
      this.#alerts.tick(nowMs(), this.#views.running(), this.#metrics.typeP95Ms(), this.#coordinator.queueDepth(), o.queueCapacity);
    }, o.heartbeatIntervalMs);
    this.#alertTimer.unref();
  }

  override emit<K extends PoolEventName>(name: K, payload: PoolEventMap[K]): boolean {
    if (!TRACE_EVENTS.has(name)) this.#journal.record(name, payload);
    return super.emit(name, payload);
  }

  override wants(name: PoolEventName): boolean {
    return super.wants(name) || (this.#journal.enabled && !TRACE_EVENTS.has(name));
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
    return task === undefined ? undefined : this.#views.snapshot(task);
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

  /** The current window's figures (see resetMetrics) plus lifetime totals; see PoolMetrics. */
  metrics(): PoolMetrics {
    const now = nowMs();
    const agents = [...this.#supervisor.handles.values()].map((h) => ({
      agentId: h.agentId,
      generation: h.generation,
      status: this.#snapshotAgent(h).status,
      createdAtMs: h.createdAtMs,
      heapUsedBytes: h.inc?.block.heapUsedBytes() ?? 0,
      eventLoopUtilization: h.inc?.state === 'ready' ? h.inc.worker.performance.eventLoopUtilization().utilization : 0,
    }));
    return buildMetrics(this.#metrics, {
      agents,
      queue: { depth: this.#coordinator.queueDepth(), held: this.#placement.held.length, capacity: this.#options.queueCapacity },
      pending: this.#coordinator.tasks.pending.size,
      running: this.#views.runningCount(),
      degraded: this.#supervisor.degradedError !== undefined,
      sloTargetMs: DEFAULTS.sloTargetMs,
      nowMs: now,
    });
  }

  /** Starts a new metrics window (histograms, counts, slowest tasks); lifetime totals carry on. */
  resetMetrics(): void {
    const previous = this.#metrics.window.startedAt;
    this.#metrics.reset();
    this.emit('metricsReset', { previousWindow: { startedAt: previous, durationMs: this.#metrics.window.startedAt - previous } });
  }

  /** The slowest tasks of the window (at most 100 are kept) and per-type run-time percentiles. */
  bottlenecks(options: { limit?: number } = {}): BottleneckReport {
    const limit = options.limit ?? DEFAULTS.slowestTasksKept;
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidOptionError('limit', 'an integer of 0 or more', limit);
    return this.#metrics.bottlenecks(limit);
  }

  isolationReport(): Promise<IsolationReport> {
    return this.#prober.report();
  }

  /** Every histogram of the window in the standard compressed HDR form, overall and per type (for CI to keep and compare). */
  exportHistograms(): HistogramExport {
    return this.#metrics.exportHistograms();
  }

  /** The assignment-latency part of exportHistograms(). */
  exportAssignmentHistogram(): string {
    return this.#metrics.window.all.assignment.encode();
  }

  /** The last events the pool emitted (oldest first), up to eventJournalSize; per-task trace events are not kept. */
  recentEvents(options: { limit?: number } = {}): RecentEvent[] {
    const limit = options.limit ?? this.#journal.capacity;
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidOptionError('limit', 'an integer of 0 or more', limit);
    return this.#journal.recent(limit);
  }

  /** Resolves once fewer than `size` tasks wait for an agent (queued, held or handed over, not yet running). */
  onSizeLessThan(size: number): Promise<void> {
    if (!Number.isInteger(size) || size < 1) return Promise.reject(new InvalidOptionError('size', 'an integer of 1 or more', size));
    return this.#coordinator.waiters.whenSizeBelow(size, this.#coordinator.queueDepth());
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
    clearInterval(this.#alertTimer);
    this.#completions.stop();
    this.#watchdog.stop();
    this.#dependencies.stop();
    this.#supervisor.clearTimers();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
