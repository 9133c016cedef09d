import type { AgentShape, DefaultRunArg, RunHandle, RunOptions, RunPayload, RunResult, RunTypeArg, UntypedAgent } from './agent-types.js';
import { AgentRegistry } from './agents/registry.js';
import { RoleTable } from './agents/role-table.js';
import { Supervisor } from './agents/supervisor.js';
import type { AgentHandle } from './agents/handle.js';
import { EventBus } from './bus.js';
import { systemClock } from './clock.js';
import { Admission } from './coordinator/admission.js';
import { Cancellation } from './coordinator/cancellation.js';
import { CompletionLoop } from './coordinator/completion-loop.js';
import { Coordinator } from './coordinator/coordinator.js';
import { Delegation } from './coordinator/delegation.js';
import { Outcomes } from './coordinator/outcomes.js';
import { Placement } from './coordinator/placement.js';
import { TaskViews } from './coordinator/task-views.js';
import { Waiters } from './coordinator/waiters.js';
import { Watchdog } from './coordinator/watchdog.js';
import { DependencyMonitor } from './dependencies.js';
import { InvalidOptionError, PoolClosedError } from './errors.js';
import { EventJournal } from './event-journal.js';
import { TRACE_EVENTS, TypedEmitter } from './events.js';
import { KeepAlive } from './keep-alive.js';
import { attachLogger } from './logging.js';
import { AlertMonitor } from './metrics/alerts.js';
import { IsolationProber } from './metrics/isolation.js';
import { MetricsRecorder } from './metrics/recorder.js';
import { buildMetrics } from './metrics/snapshot.js';
import { DEFAULTS, resolveOptions, type ResolvedOptions } from './options.js';
import { allocateRegion, regionSizes } from './ring/region.js';
import { SharedQueue } from './ring/shared-queue.js';
import { SlotTable } from './ring/slot-table.js';
import { TaskLedger } from './tasks/ledger.js';
import { Scheduler } from './schedules/scheduler.js';
import { Flows } from './flows/flows.js';
import type { FlowHandle, FlowOptions, FlowSpec } from './flows/types.js';
import type { ScheduleHandle, ScheduleRunOptions, ScheduleWhen } from './schedules/types.js';
import type {
  AgentSnapshot,
  BottleneckReport,
  HistogramExport,
  IsolationReport,
  PoolMetrics,
  RecentEvent,
  RoleSnapshot,
  PoolOptions,
  TaskOptions,
  TaskSnapshot,
} from './types.js';

/**
 * The public facade. It wires the parts, each given what it needs through its
 * constructor, and holds no algorithm of its own: the ring and slot table
 * (shared memory), the task ledger (every task's state), placement, outcomes,
 * cancellation and admission (what happens to tasks), the registry and
 * supervisor (agent threads), the watchdog, dependency monitor and metrics.
 * Events flow through one internal bus to the public listeners, the journal
 * and the logger.
 */
export class CoordinationPool<A extends AgentShape = UntypedAgent> extends TypedEmitter implements AsyncDisposable {
  readonly #options: ResolvedOptions;
  readonly #clock = systemClock;
  readonly #metrics: MetricsRecorder;
  readonly #registry: AgentRegistry;
  readonly #roles: RoleTable;
  readonly #ledger: TaskLedger;
  readonly #slots: SlotTable;
  readonly #supervisor: Supervisor;
  readonly #placement: Placement;
  readonly #cancellation: Cancellation;
  readonly #delegation: Delegation;
  readonly #admission: Admission;
  readonly #completions: CompletionLoop;
  readonly #watchdog: Watchdog;
  readonly #dependencies: DependencyMonitor;
  readonly #prober: IsolationProber;
  readonly #views: TaskViews;
  readonly #journal: EventJournal;
  readonly #waiters = new Waiters();
  readonly #keepAlive = new KeepAlive();
  // Firings go through the same admission as submit(), so each is an ordinary task; untyped here, as schedule()'s signature already checked the payload.
  readonly #scheduler = new Scheduler({ clock: this.#clock, bus: this.bus, submit: (payload, options) => this.#admission.submit(payload, options) });
  // Flows use the pool's public API: submit, checkTask, getTask and onSizeLessThan.
  readonly #flows = new Flows({
    bus: this.bus,
    submit: (payload, options) => this.#admission.submit(payload, options),
    check: (options) => this.checkTask(options),
    getTask: (id) => this.getTask(id),
    room: () => this.onSizeLessThan(this.#options.queueCapacity),
    keep: 1_000,
  });
  readonly #alertTimer: { readonly id: unknown };
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    const o = resolveOptions(options);
    super(new EventBus());
    this.#options = o;
    const { bus } = this;
    const clock = this.#clock;
    const journal = (this.#journal = new EventJournal(o.eventJournalSize));
    bus.subscribe({ wants: (name) => journal.enabled && !TRACE_EVENTS.has(name), deliver: (name, payload) => journal.record(name, payload) });
    const roles = (this.#roles = new RoleTable(o.roles));
    const queue = new SharedQueue(allocateRegion(regionSizes(o.queueCapacity, o.maxSize, o.inlinePayloadBytes, o.roles.length)));
    const slots = (this.#slots = new SlotTable(queue));
    const registry = (this.#registry = new AgentRegistry(slots, roles));
    const alerts = new AlertMonitor(o.alerts, (alert) => bus.emit('alert', alert));
    const metrics = (this.#metrics = new MetricsRecorder(alerts, DEFAULTS.slowestTasksKept, journal, registry));
    const ledger = (this.#ledger = new TaskLedger({ bus, clock, slots, observers: [metrics, this.#waiters, this.#keepAlive], finishedTasksKept: o.finishedTasksKept }));
    const dependencies = (this.#dependencies = new DependencyMonitor({ bus, clock, checks: o.dependencies, requires: o.requires }));
    const placement = (this.#placement = new Placement({ bus, options: o, queue, slots, ledger, registry, roles, dependencyDown: (type) => dependencies.downFor(type) }));
    const outcomes = new Outcomes({ bus, clock, options: o, slots, ledger, registry, placement, metrics });
    const cancellation = (this.#cancellation = new Cancellation({ clock, options: o, slots, ledger, registry, placement, outcomes }));
    // Subtasks from ctx.run go through the same admission as submit().
    const delegation = (this.#delegation = new Delegation({
      bus,
      clock,
      ledger,
      registry,
      cancellation,
      submit: (payload, options, parent) => this.#admission.submit(payload, options, parent),
      intervalMs: o.heartbeatIntervalMs,
    }));
    this.#prober = new IsolationProber({ clock, registry, resourceLimits: o.resourceLimits ?? {}, payloads: o.payloadIsolation });
    const coordinator = new Coordinator({ bus, logger: o.logger, slots, ledger, placement, outcomes, cancellation, prober: this.#prober, waiters: this.#waiters, roles, delegation });
    const supervisor = (this.#supervisor = new Supervisor({ bus, clock, options: o, queue, registry, roles, lifecycle: coordinator }));
    this.#admission = new Admission({ bus, clock, options: o, ledger, placement, supervisor, roles, cancellation, metrics, isOpen: () => !this.#closed, spillTarget: o.payloadIsolation === 'private' ? undefined : (n) => slots.spillTarget(n) });
    this.#views = new TaskViews({ clock, slots, ledger, registry });
    this.#completions = new CompletionLoop(queue, () => coordinator.onCompletions());
    this.#watchdog = new Watchdog({ bus, clock, registry, ledger, hangTimeoutMs: o.hangTimeoutMs, intervalMs: o.heartbeatIntervalMs });
    bus.on('dependencyUp', () => placement.release());
    bus.on('dependencyDown', () => placement.holdQueued());
    if (options.logger !== undefined) attachLogger(bus, o.logger);
    for (const role of o.roles) for (let i = 0; i < role.size; i++) supervisor.addAgent(role.index);
    this.#completions.start();
    this.#watchdog.start();
    dependencies.start();
    this.#alertTimer = clock.setInterval(() => {
      alerts.tick(clock.nowMs(), this.#views.running(), metrics.typeP95Ms(), placement.depth(), o.queueCapacity);
    }, o.heartbeatIntervalMs);
  }

  /**
   * Resolves when every current agent has handshaken; rejects if the pool is
   * degraded (no agent can start) or every agent was abandoned. An agent
   * abandoned meanwhile is not waited for: the pool runs without it.
   */
  ready(): Promise<void> {
    const refused = this.#supervisor.allAbandonedError ?? this.#supervisor.degradedError;
    if (refused !== undefined) return Promise.reject(refused);
    const waits = this.#registry.all().map((h) =>
      h.whenReady().catch((error: unknown) => {
        if (h.abandoned === undefined) throw error;
      }),
    );
    return this.#keepAlive.holdUntil(
      Promise.all(waits).then(() => {
        if (this.#supervisor.allAbandonedError !== undefined) throw this.#supervisor.allAbandonedError;
      }),
    );
  }

  /**
   * Submits a task and resolves with its result. In a pool typed by its agent
   * (`CoordinationPool<typeof agent>`) the payload is checked against the
   * handler of `options.type` (default 'general') and the result is that
   * handler's awaited return; in an untyped pool `run<T>()` asserts the result type.
   */
  run<K extends RunTypeArg<A> = DefaultRunArg<A>>(payload: RunPayload<A, K>, options?: RunOptions<A, K>): Promise<RunResult<A, K>> {
    try {
      return this.submit<K>(payload, options).result;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Synchronous admission: returns a handle (the task is accepted and will settle) or throws a coded error. Typed as `run()`. */
  submit<K extends RunTypeArg<A> = DefaultRunArg<A>>(payload: RunPayload<A, K>, options?: RunOptions<A, K>): RunHandle<A, K> {
    return this.#admission.submit<RunResult<A, K>>(payload, options as TaskOptions | undefined);
  }

  /**
   * Throws the coded error submit() would throw for these options (a bad
   * option, a type no role handles, an unknown role, an unmet capability),
   * accepting nothing. Room in the queue is not checked.
   */
  checkTask(options?: TaskOptions): void {
    this.#admission.check(options);
  }

  /**
   * A task made of subtasks with dependencies: each node an ordinary task
   * that starts once the nodes it comes `after` completed, with their results
   * as `ctx.inputs`. The spec is checked whole first (unknown ids, cycles, bad
   * options throw InvalidOptionError; nothing is accepted half). See FlowHandle.
   */
  flow(spec: FlowSpec, options?: FlowOptions): FlowHandle {
    this.#assertOpen();
    return this.#flows.create(spec, options);
  }

  getFlow(id: number): FlowHandle | undefined {
    return this.#flows.get(id);
  }

  getTask(id: number): TaskSnapshot | undefined {
    const task = this.#ledger.get(id);
    return task === undefined ? this.#ledger.settledSnapshot(id) : this.#views.snapshot(task);
  }

  /** The pool's roles: each one's name, capabilities, handler types (once one of its agents said them) and size bounds. */
  listRoles(): RoleSnapshot[] {
    return this.#roles.roles.map((r) => ({
      name: r.name,
      capabilities: [...r.capabilities],
      types: this.#roles.typesOf(r.index)?.slice(),
      size: this.#registry.stayingHandles(r.index).length,
      maxSize: r.maxSize,
      down: this.#roles.downError(r.index) !== undefined,
    }));
  }

  listAgents(): AgentSnapshot[] {
    return this.#registry.all().map((h) => this.#snapshotAgent(h));
  }

  #snapshotAgent(handle: AgentHandle): AgentSnapshot {
    return this.#registry.snapshot(handle, this.#supervisor.stopping, (slot) => this.#ledger.inSlot(slot)?.id);
  }

  /** One more agent (of `role`; in a pool of one `agent` there is only 'default'); PoolFullError past maxSize or the role's maxSize. */
  async spawnAgent(options: { role?: string } = {}): Promise<AgentSnapshot> {
    this.#assertOpen();
    const handle = this.#supervisor.addAgent(this.#roleFor(options.role));
    await this.#keepAlive.holdUntil(handle.whenReady());
    return this.#snapshotAgent(handle);
  }

  /**
   * Grow, or shrink by retiring agents (idle ones first); a retiring agent
   * finishes its task first. Only agents that stay count, so calls made one
   * after another, awaited or not, end at the size asked last.
   */
  async resize(size: number, options: { role?: string } = {}): Promise<void> {
    this.#assertOpen();
    await this.#supervisor.resize(size, this.#roleFor(options.role));
  }

  /** Declare an agent failed: it is terminated, its task fails over, and it is replaced. */
  async failAgent(agentId: number, reason = 'failed by the application'): Promise<void> {
    const handle = this.#registry.get(agentId);
    if (handle === undefined) throw new InvalidOptionError('agentId', `the id of a live agent (${this.#registry.ids().join(', ')})`, agentId);
    const inc = handle.inc;
    if (inc === undefined) return;
    this.#supervisor.kill(handle, 'failed', reason);
    await inc.exited;
  }

  /** The current window's figures (see resetMetrics) plus lifetime totals; see PoolMetrics. */
  metrics(): PoolMetrics {
    const agents = this.#registry.all().map((h) => ({
      agentId: h.agentId,
      role: this.#registry.roleName(h),
      generation: h.generation,
      status: this.#snapshotAgent(h).status,
      createdAtMs: h.createdAtMs,
      heapUsedBytes: h.inc?.block.heapUsedBytes() ?? 0,
      eventLoopUtilization: h.inc?.state === 'ready' ? h.inc.worker.performance.eventLoopUtilization().utilization : 0,
    }));
    const flows = this.#flows.counts();
    return buildMetrics(this.#metrics, {
      flows,
      agents,
      queue: { depth: this.#placement.depth(), held: this.#placement.held.length, capacity: this.#options.queueCapacity },
      pending: this.#ledger.pendingCount,
      running: this.#views.runningCount(),
      degraded: this.#supervisor.degradedError !== undefined,
      spill: this.#slots.spillUsage(),
      sloTargetMs: DEFAULTS.sloTargetMs,
      nowMs: this.#clock.nowMs(),
    });
  }

  /** Starts a new metrics window (histograms, counts, slowest tasks); lifetime totals carry on. */
  resetMetrics(): void {
    const previous = this.#metrics.window.startedAt;
    this.#metrics.reset();
    this.bus.emit('metricsReset', { previousWindow: { startedAt: previous, durationMs: this.#metrics.window.startedAt - previous } });
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
    return this.#metrics.exportAssignment();
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
    return this.#waiters.whenSizeBelow(size, this.#placement.depth());
  }

  /** Resolves when no accepted task is pending. */
  onIdle(): Promise<void> {
    return this.#waiters.whenIdle(this.#ledger.pendingCount);
  }

  /**
   * Fires a task with `payload` every `when.everyMs`, or on the times of the
   * cron pattern `when.cron` (in `when.tz`), until cancelled or the pool closes.
   * Bad input throws InvalidOptionError now; a firing submit() refuses is
   * counted and reported (scheduleRejected), never thrown. See ScheduleWhen.
   */
  schedule<K extends RunTypeArg<A> = DefaultRunArg<A>>(when: ScheduleWhen, payload: RunPayload<A, K>, options?: ScheduleRunOptions<A, K>): ScheduleHandle {
    return this.#scheduler.add(when, payload, options);
  }

  /** A role's index by name; with several roles, calls that act on agents must name one. */
  #roleFor(name: string | undefined): number {
    if (name === undefined && this.#roles.routed) throw new InvalidOptionError('role', `a role name: this pool has several (${this.#roles.roles.map((r) => r.name).join(', ')})`, name);
    return this.#supervisor.roleIndex(name);
  }

  #assertOpen(): void {
    if (this.#closed) throw new PoolClosedError();
  }

  /** drain (default): finish queued and running work, then stop. drain: false: reject what has not started. */
  close(options: { drain?: boolean } = {}): Promise<void> {
    this.#scheduler.stop();
    this.#closing ??= this.#shutdown(options.drain ?? true);
    return this.#closing;
  }

  async #shutdown(drain: boolean): Promise<void> {
    this.#closed = true;
    if (!drain) this.#cancellation.rejectWaiting(false);
    await this.onIdle();
    this.bus.emit('drained', {});
    this.#supervisor.stopping = true;
    const exits = this.#registry.all().flatMap((h) => (h.inc ? [h.inc.exited] : []));
    for (const h of this.#registry.all()) this.#supervisor.retire(h);
    await Promise.all(exits);
    this.#stopLoops();
  }

  /** Terminate now: every pending promise settles with PoolClosedError. */
  async destroy(): Promise<void> {
    this.#scheduler.stop();
    this.#closed = true;
    this.#supervisor.stopping = true;
    this.#cancellation.rejectWaiting(true);
    const exits: Promise<void>[] = [];
    for (const h of this.#registry.all()) {
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
    this.#clock.clear(this.#alertTimer);
    this.#completions.stop();
    this.#watchdog.stop();
    this.#dependencies.stop();
    this.#delegation.stop();
    this.#supervisor.clearTimers();
    this.#keepAlive.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
