import { AgentInitError, PoolDegradedError, PoolFullError, fromWireError } from '../errors.js';
import type { TypedEmitter } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { AgentMessage } from '../protocol.js';
import { ControlBlock } from '../ring/control-block.js';
import { AgentState, C_CURRENT, C_RETIRE, nowMs } from '../ring/layout.js';
import type { SharedQueue } from '../ring/shared-queue.js';
import { DEGRADED_AFTER_START_FAILURES, restartDelayMs } from '../scheduling/retry.js';
import type { AgentSnapshot } from '../types.js';
import { Incarnation, type IncarnationListener, type KillReason } from './incarnation.js';

/** What the supervisor tells the coordinator about; the coordinator owns tasks, the supervisor owns threads. */
export interface SupervisorHooks {
  onReady(handle: AgentHandle, types: string[]): void;
  onMessage(handle: AgentHandle, inc: Incarnation, message: AgentMessage): void;
  /** The incarnation is gone: recover its tasks before a replacement starts. */
  onGone(handle: AgentHandle, inc: Incarnation, exitCode: number, zombie: boolean): void;
}

/** An agent's stable identity across restarts; `inc` is its current life. */
export class AgentHandle {
  generation = 0;
  inc: Incarnation | undefined;
  restarts = 0;
  tasksCompleted = 0;
  tasksFailed = 0;
  consecutiveFailures = 0;
  retiring = false;
  restartTimer: NodeJS.Timeout | undefined;
  readonly typeStats = new Map<string, { successes: number; totalRunMs: number }>();
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** Epoch ms: the start of this agent's time for per-agent utilization. */
  readonly createdAtMs = nowMs();

  constructor(readonly agentId: number) {}

  get ready(): boolean {
    return this.inc?.state === 'ready';
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  settleReady(error?: Error): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) if (error) w.reject(error); else w.resolve();
  }

  recordSuccess(type: string, runMs: number): void {
    this.tasksCompleted++;
    this.consecutiveFailures = 0;
    const s = this.typeStats.get(type) ?? { successes: 0, totalRunMs: 0 };
    s.successes++;
    s.totalRunMs += runMs;
    this.typeStats.set(type, s);
  }
}

/**
 * Keeps the pool's agents alive: spawns incarnations onto free control blocks,
 * replaces dead ones (immediately the first time, with backoff in a crash loop),
 * grows and shrinks, and notices when no agent can start at all (degraded).
 */
export class Supervisor implements IncarnationListener {
  readonly handles = new Map<number, AgentHandle>();
  private readonly freeBlocks: number[] = [];
  private nextAgentId = 1;
  private startFailures = 0;
  degradedError: PoolDegradedError | undefined;
  stopping = false;
  /** Known once the first agent has handshaken: the task types the agent module handles. */
  types: string[] | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly queue: SharedQueue,
    private readonly events: TypedEmitter,
    private readonly hooks: SupervisorHooks,
  ) {
    for (let b = queue.layout.blocks - 1; b >= 0; b--) this.freeBlocks.push(b);
  }

  get size(): number {
    return this.handles.size;
  }

  addAgent(): AgentHandle {
    if (this.handles.size >= this.options.maxSize) throw new PoolFullError(this.options.maxSize);
    const handle = new AgentHandle(this.nextAgentId++);
    this.handles.set(handle.agentId, handle);
    this.start(handle);
    return handle;
  }

  private start(handle: AgentHandle): void {
    handle.restartTimer = undefined;
    const block = this.freeBlocks.pop();
    if (block === undefined) throw new Error('no free control block: more zombie agents than spare blocks');
    handle.generation++;
    const { options, queue } = this;
    handle.inc = new Incarnation(
      handle.agentId,
      handle.generation,
      new ControlBlock(queue.words, queue.times, queue.layout, block),
      {
        agentUrl: options.agentUrl.href,
        region: { sizes: queue.layout, words: queue.words.buffer as SharedArrayBuffer, times: queue.times.buffer as SharedArrayBuffer, bytes: queue.bytes.buffer as SharedArrayBuffer },
        agingIntervalMs: options.agingIntervalMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        idleSpinUs: options.idleSpinUs,
        idleWait: options.idleWait,
        userData: options.workerData,
      },
      options.resourceLimits,
      this,
    );
    // Deferred: agents started by the constructor would otherwise report before anyone can listen.
    const spawned = { agentId: handle.agentId, generation: handle.generation, threadId: handle.inc.threadId };
    queueMicrotask(() => this.events.emit('agentSpawned', spawned));
  }

  /** The agent whose current incarnation owns a slot, from the slot's CLAIM word. */
  handleByOwner(claim: number): AgentHandle | undefined {
    for (const handle of this.handles.values()) if (handle.inc?.block.owner === claim) return handle;
    return undefined;
  }

  private handleOf(inc: Incarnation): AgentHandle | undefined {
    const handle = this.handles.get(inc.agentId);
    return handle?.inc === inc ? handle : undefined;
  }

  onMessage(inc: Incarnation, message: AgentMessage): void {
    const handle = this.handleOf(inc);
    if (handle === undefined) return;
    if (message.kind === 'ready') {
      inc.state = 'ready';
      inc.readyAtMs = nowMs();
      inc.contextId = message.contextId;
      inc.memoryId = message.memoryId;
      this.startFailures = 0;
      this.types ??= message.types;
      if (this.degradedError !== undefined) {
        this.degradedError = undefined;
        this.events.emit('recovered', {});
      }
      const startMs = inc.readyAtMs - inc.spawnedAtMs;
      this.events.emit('agentReady', { agentId: handle.agentId, generation: handle.generation, threadId: inc.threadId, contextId: message.contextId, startMs });
      if (handle.generation > 1) this.events.emit('agentRestarted', { agentId: handle.agentId, generation: handle.generation, restartMs: startMs });
      this.hooks.onReady(handle, message.types);
      handle.settleReady();
      return;
    }
    if (message.kind === 'initError') {
      inc.lastError = new AgentInitError(fromWireError(message.error));
      return;
    }
    this.hooks.onMessage(handle, inc, message);
  }

  onError(inc: Incarnation, error: Error): void {
    this.events.emit('agentError', { agentId: inc.agentId, generation: inc.generation, error });
  }

  onExit(inc: Incarnation, exitCode: number, zombie: boolean): void {
    const handle = this.handleOf(inc);
    // 'ready' may still be in flight when a fresh agent dies of its first task: the
    // agent leaves STARTING in shared memory right after posting it, so that decides.
    const startFailed = inc.state === 'starting' && inc.block.state === AgentState.STARTING;
    const reason = inc.killReason ?? (startFailed ? 'start-failed' : 'crashed');
    this.events.emit('agentExited', { agentId: inc.agentId, generation: inc.generation, exitCode, reason });
    if (handle === undefined) return;
    this.hooks.onGone(handle, inc, exitCode, zombie);
    // A zombie may still touch its block; never hand that block out again.
    if (!zombie) this.freeBlocks.push(inc.block.index);
    handle.inc = undefined;
    if (startFailed) this.noteStartFailure(inc.lastError);
    if (this.stopping || handle.retiring) {
      this.handles.delete(handle.agentId);
      handle.settleReady(this.degradedError ?? new Error(`agent ${handle.agentId} stopped`));
      return;
    }
    if (inc.killReason === undefined || inc.killReason === 'hung' || inc.killReason === 'failed') handle.consecutiveFailures++;
    handle.restarts++;
    const delayMs = restartDelayMs(handle.consecutiveFailures);
    if (delayMs === 0) this.start(handle);
    else {
      handle.restartTimer = setTimeout(() => this.start(handle), delayMs);
      handle.restartTimer.unref();
    }
  }

  private noteStartFailure(error: Error | undefined): void {
    this.startFailures++;
    const anyReady = [...this.handles.values()].some((h) => h.ready);
    if (this.startFailures >= DEGRADED_AFTER_START_FAILURES && !anyReady && this.degradedError === undefined) {
      this.degradedError = new PoolDegradedError(this.startFailures, error);
      this.events.emit('degraded', { consecutiveStartFailures: this.startFailures, error });
      for (const h of this.handles.values()) h.settleReady(this.degradedError);
    }
  }

  kill(handle: AgentHandle, reason: KillReason, detail?: string): void {
    handle.inc?.kill(reason, detail, 2_000);
  }

  /** Shrink: the agent finishes its current task, then exits; it is not replaced. */
  retire(handle: AgentHandle): void {
    handle.retiring = true;
    clearTimeout(handle.restartTimer);
    if (handle.inc === undefined) {
      this.handles.delete(handle.agentId);
      return;
    }
    handle.inc.block.store(C_RETIRE, 1);
    handle.inc.retire(this.options.cancelGraceMs + 5_000);
  }

  snapshot(handle: AgentHandle, currentTaskId: number | undefined): AgentSnapshot {
    const inc = handle.inc;
    let status: AgentSnapshot['status'];
    if (inc === undefined) status = handle.retiring || this.stopping ? 'stopped' : 'restarting';
    else if (inc.state === 'starting') status = 'starting';
    else if (inc.state !== 'ready') status = 'restarting';
    // C_CURRENT, not the BUSY state: an agent also stores BUSY for a moment while it claims.
    else status = inc.block.load(C_CURRENT) !== 0 ? 'busy' : 'idle';
    return {
      agentId: handle.agentId,
      threadId: inc?.threadId ?? -1,
      generation: handle.generation,
      status,
      currentTaskId,
      contextId: inc?.contextId,
      tasksCompleted: handle.tasksCompleted,
      tasksFailed: handle.tasksFailed,
      restarts: handle.restarts,
    };
  }

  clearTimers(): void {
    for (const h of this.handles.values()) clearTimeout(h.restartTimer);
  }
}
