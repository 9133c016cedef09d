import { randomUUID } from 'node:crypto';
import type { Incarnation } from '../agents/incarnation.js';
import type { AgentHandle, Supervisor, SupervisorHooks } from '../agents/supervisor.js';
import {
  AbortError,
  AgentCrashedError,
  AgentHungError,
  DataCloneError,
  PoolClosedError,
  QueueFullError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownTaskTypeError,
  fromWireError,
  isRetryable,
  toWireError,
  type WireError,
} from '../errors.js';
import type { TypedEmitter } from '../events.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { resolveTaskOptions, type ResolvedOptions } from '../options.js';
import { PROTOCOL_VERSION, type AgentMessage } from '../protocol.js';
import { encode } from '../ring/codec.js';
import { AgentState, C_DIRECT, C_STATE, S_CLAIM, S_STATE, SlotState, nowMs } from '../ring/layout.js';
import { decideAfterFailure, retryAfterMs } from '../scheduling/retry.js';
import { TaskRecord, type Settle } from '../task.js';
import type { TaskHandle, TaskOptions } from '../types.js';
import type { Placement } from './placement.js';
import type { SlotTable } from './slot-table.js';
import { TaskStore } from './task-store.js';
import { Waiters } from './waiters.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

/**
 * The task side of the pool: admission, outcomes, failover and cancellation.
 * Threads belong to the Supervisor, waiting tasks to Placement; this class
 * decides what happens to a task and keeps the promise that every accepted task
 * settles exactly once.
 */
export class Coordinator implements SupervisorHooks {
  private seq = 0;
  readonly tasks = new TaskStore();
  readonly waiters = new Waiters();
  closed = false;
  /** Set by the isolation prober. */
  onProbeReply: ((inc: Incarnation, message: Extract<AgentMessage, { kind: 'probeReply' }>) => void) | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly slots: SlotTable,
    readonly placement: Placement,
    private readonly supervisor: Supervisor,
    private readonly metrics: MetricsRecorder,
    private readonly events: TypedEmitter,
  ) {
    placement.onUnplaceable = (task) => {
      const last = task.attempts[task.attempts.length - 1]?.error ?? new Error('no agent may run this task');
      this.settle(task, { ok: false, error: new TaskFailedError(task.id, task.attempts, last) }, 'failed');
    };
  }

  // --- admission -----------------------------------------------------------

  submit<T>(payload: unknown, taskOptions: TaskOptions | undefined): TaskHandle<T> {
    if (this.closed) throw new PoolClosedError();
    if (this.supervisor.degradedError !== undefined) throw this.supervisor.degradedError;
    const opts = resolveTaskOptions(taskOptions, this.options.taskTimeoutMs);
    const types = this.supervisor.types;
    if (types !== undefined && !types.includes(opts.type)) throw new UnknownTaskTypeError(opts.type, types);
    const depth = this.placement.waitingCount();
    if (depth >= this.options.queueCapacity) {
      this.metrics.recordRejected();
      const at = nowMs();
      throw new QueueFullError(depth, this.options.queueCapacity, retryAfterMs(depth, this.options.queueCapacity, this.metrics.completionsPerSecond(at)));
    }
    if (opts.signal?.aborted === true) throw new AbortError(opts.signal.reason);
    const traceId = opts.traceId ?? randomUUID();
    let encoded: Uint8Array | undefined;
    if (opts.transfer === undefined) {
      try {
        encoded = encode([payload, traceId]);
      } catch (error) {
        // v8.serialize cannot write a SharedArrayBuffer; postMessage shares one. Such a
        // payload travels by message; one that neither can clone is refused here, at once.
        try {
          structuredClone(payload);
        } catch {
          throw new DataCloneError('payload', error);
        }
      }
      if (encoded !== undefined && encoded.length > this.options.inlinePayloadBytes) encoded = undefined;
    }
    const task = new TaskRecord(++this.seq, traceId, opts, payload, nowMs());
    task.encoded = encoded;
    this.metrics.recordSubmitted();
    this.tasks.add(task);
    const signal = opts.signal;
    if (signal !== undefined) {
      const onAbort = (): void => this.cancel(task, new AbortError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      task.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    if (this.events.wants('taskQueued')) this.events.emit('taskQueued', { taskId: task.id, traceId, type: task.type, priority: opts.priority });
    this.placement.place(task);
    return { id: task.id, traceId, result: task.result as Promise<T> };
  }

  getTask(id: number): TaskRecord | undefined {
    return this.tasks.get(id);
  }

  // --- settling --------------------------------------------------------------

  private settle(task: TaskRecord, outcome: Settle, status: 'completed' | 'failed' | 'cancelled'): void {
    clearTimeout(task.deadlineTimer);
    if (!task.settle(outcome, status, nowMs())) return;
    this.metrics.recordSettled(status, task.type, task.agentId, task.queuedAt, task.finishedAt ?? 0);
    this.tasks.settled(task);
    if (this.tasks.pending.size === 0) this.waiters.notifyIdle();
    if (this.waiters.watchingSize) this.waiters.checkSize(this.queueDepth());
    if (!this.events.wants(status === 'completed' ? 'taskCompleted' : status === 'failed' ? 'taskFailed' : 'taskCancelled')) return;
    const ref = { taskId: task.id, traceId: task.traceId, type: task.type };
    if (status === 'completed') {
      this.events.emit('taskCompleted', { ...ref, agentId: task.agentId ?? -1, attempt: task.attemptsStarted, runMs: (task.finishedAt ?? 0) - (task.startedAt ?? 0), assignmentLatencyMs: task.assignmentLatencyMs ?? 0 });
    } else if (status === 'failed' && !outcome.ok) {
      this.events.emit('taskFailed', { ...ref, agentId: task.agentId, attempt: task.attemptsStarted, error: outcome.error, attempts: task.attemptsStarted });
    } else if (!outcome.ok) {
      this.events.emit('taskCancelled', { ...ref, reason: outcome.error.cause });
    }
  }

  onIdle(): Promise<void> {
    return this.waiters.whenIdle(this.tasks.pending.size);
  }

  // --- outcomes ---------------------------------------------------------------

  /** Drains every agent's completion ring; called when the completion sequence moves. */
  drainCompletions(): void {
    for (const handle of this.supervisor.handles.values()) {
      const inc = handle.inc;
      // A new agent may finish work before its 'ready' message is handled here:
      // skipping 'starting' agents would consume the wake-up and strand that completion.
      if (inc === undefined || inc.state === 'dead') continue;
      this.drainIncarnation(handle, inc);
    }
    this.placement.placeDirect();
    if (this.waiters.watchingSize) this.waiters.checkSize(this.queueDepth());
  }

  /** Tasks waiting for an agent: in the rings, held, or handed to an agent's mailbox and not yet claimed. */
  queueDepth(): number {
    return this.placement.waitingCount() + this.placement.direct.length;
  }

  private drainIncarnation(handle: AgentHandle, inc: Incarnation): void {
    const drained = inc.block.drainCompletions((slot) => {
      const task = this.placement.live.get(slot);
      const outcome = this.slots.readOutcome(slot);
      if (task === undefined || outcome.kind === 'byMessage') return;
      this.releaseSlot(task, false);
      this.finishAttempt(handle, inc, task, outcome.kind === 'value' ? { ok: true, value: outcome.value } : { ok: false, error: fromWireError(outcome.wire as WireError) }, outcome.startedAt, outcome.finishedAt);
    });
    // An agent whose completion ring filled up sleeps until we make room. It
    // stores WAITING before its last look at the ring; we moved the ring head
    // before reading its state: with seq-cst ordering, either it saw the room or
    // we see it waiting. Wake it only if there is work, or it sleeps on anyway.
    if (drained > 0 && (this.placement.waitingCount() > 0 || inc.block.load(C_DIRECT) !== 0)) {
      if (inc.block.compareExchange(C_STATE, AgentState.WAITING, AgentState.WAKING) === AgentState.WAITING) inc.block.ring();
    }
  }

  private releaseSlot(task: TaskRecord, quarantine: boolean): void {
    const slot = task.slot;
    if (slot < 0) return;
    this.placement.live.delete(slot);
    if (!quarantine) this.slots.release(slot);
    task.slot = -1;
  }

  /** One try ended with an outcome from the handler (or before it, e.g. a payload that would not clone). */
  private finishAttempt(handle: AgentHandle, inc: Incarnation, task: TaskRecord, outcome: Outcome, startedAt: number, finishedAt: number): void {
    clearTimeout(task.deadlineTimer);
    clearTimeout(task.graceTimer);
    const started = startedAt > 0;
    if (started) this.noteStarted(task, handle, inc, startedAt, finishedAt);
    if (task.settled) return; // cancelled or timed out while running; the agent came back in time
    if (outcome.ok) {
      handle.recordSuccess(task.type, finishedAt - startedAt);
      this.settle(task, { ok: true, value: outcome.value }, 'completed');
      return;
    }
    this.afterFailure(task, handle, inc, outcome.error, 'handler', started, startedAt, finishedAt);
  }

  /** Counts the current try once, whether it is first seen running (cancel, timeout) or finished. */
  private countAttempt(task: TaskRecord): void {
    if (task.attemptCounted) return;
    task.attemptCounted = true;
    task.attemptsStarted++;
  }

  private noteStarted(task: TaskRecord, handle: AgentHandle, inc: Incarnation, startedAt: number, finishedAt: number): void {
    this.countAttempt(task);
    task.agentId = handle.agentId;
    task.generation = inc.generation;
    task.startedAt = startedAt;
    if (task.assignmentLatencyMs === undefined) {
      task.assignmentLatencyMs = startedAt - task.queuedAt;
      this.metrics.recordStart(task.type, handle.agentId, task.assignmentLatencyMs);
    }
    if (this.events.wants('taskStarted')) {
      this.events.emit('taskStarted', { taskId: task.id, traceId: task.traceId, type: task.type, agentId: handle.agentId, attempt: task.attemptsStarted, startedAt, assignmentLatencyMs: task.assignmentLatencyMs });
    }
    this.metrics.recordRun({
      taskId: task.id,
      traceId: task.traceId,
      type: task.type,
      agentId: handle.agentId,
      attempt: task.attemptsStarted,
      runMs: Math.max(0, finishedAt - startedAt),
      waitMs: task.assignmentLatencyMs,
      startedAt,
      finishedAt,
    });
  }

  private afterFailure(task: TaskRecord, handle: AgentHandle, inc: Incarnation, error: Error, kind: 'handler' | 'agent', started: boolean, startedAt: number, finishedAt: number): void {
    if (started) {
      task.attempts.push({ attempt: task.attemptsStarted, agentId: handle.agentId, generation: inc.generation, error, startedAt, finishedAt });
      handle.tasksFailed++;
      this.metrics.recordAttemptFailed(handle.agentId, finishedAt);
    }
    const decision = decideAfterFailure({
      kind,
      started,
      retryable: isRetryable(error),
      // A transferred payload moved into the agent that failed: nothing is left to send again.
      idempotent: task.options.idempotent && task.options.transfer === undefined,
      attemptsStarted: task.attemptsStarted,
      maxAttempts: this.options.maxAttempts,
    });
    switch (decision.action) {
      case 'requeue':
        this.placement.requeue(task);
        return;
      case 'retry':
        this.metrics.recordRetry(task.type, handle.agentId);
        task.failedAgentIds.push(handle.agentId);
        task.failedIncarnations.add(inc.key);
        this.events.emit('taskRetried', { taskId: task.id, traceId: task.traceId, type: task.type, agentId: handle.agentId, attempt: task.attemptsStarted + 1, fromAgentId: handle.agentId, error });
        this.placement.retry(task);
        return;
      case 'fail':
        task.failedAgentIds.push(handle.agentId);
        this.settle(task, { ok: false, error: new TaskFailedError(task.id, task.attempts, error) }, 'failed');
        return;
    }
  }

  // --- agent messages and lifecycle ------------------------------------------------

  onReady(_handle: AgentHandle, _types: string[]): void {
    this.placement.placeEarly((task) => {
      this.settle(task, { ok: false, error: new TaskFailedError(task.id, [], new UnknownTaskTypeError(task.type, this.supervisor.types ?? [])) }, 'failed');
    });
    this.placement.placeDirect();
  }

  onMessage(handle: AgentHandle, inc: Incarnation, message: AgentMessage): void {
    switch (message.kind) {
      case 'started': {
        const task = this.placement.live.get(message.slot);
        if (task?.id === message.taskId && !task.settled) this.armDeadline(task, handle, message.startedAtMs);
        return;
      }
      case 'fetch': {
        const task = this.placement.live.get(message.slot);
        if (task?.id !== message.taskId) return;
        try {
          inc.post({ v: PROTOCOL_VERSION, kind: 'payload', slot: message.slot, taskId: task.id, payload: [task.payload, task.traceId], error: undefined }, task.options.transfer);
        } catch (error) {
          inc.post({ v: PROTOCOL_VERSION, kind: 'payload', slot: message.slot, taskId: task.id, payload: undefined, error: toWireError(new DataCloneError('payload', error)) });
        }
        return;
      }
      case 'result': {
        const task = this.placement.live.get(message.slot);
        if (task?.id !== message.taskId) return;
        const startedAt = this.slots.startedAt(message.slot);
        const finishedAt = this.slots.finishedAt(message.slot);
        this.releaseSlot(task, false);
        this.finishAttempt(handle, inc, task, message.ok ? { ok: true, value: message.value } : { ok: false, error: fromWireError(message.error) }, startedAt, finishedAt);
        this.placement.placeDirect();
        return;
      }
      case 'log':
        this.options.logger[message.level]({ ...message.fields, generation: inc.generation }, message.msg);
        return;
      case 'probeReply':
        this.onProbeReply?.(inc, message);
        return;
      case 'ready':
      case 'initError':
        return; // handled by the supervisor
    }
  }

  /**
   * An incarnation is gone. Its finished work stands (drained first); work it
   * had but never started goes back without costing an attempt; started work
   * fails over or fails, by the retry rules.
   */
  onGone(handle: AgentHandle, inc: Incarnation, exitCode: number, zombie: boolean): void {
    this.drainIncarnation(handle, inc);
    const owner = inc.block.owner;
    const affected: { task: TaskRecord; started: boolean; startedAt: number }[] = [];
    for (const [slot, task] of this.placement.live) {
      if (this.slots.get(slot, S_CLAIM) !== owner) continue;
      const state = this.slots.get(slot, S_STATE);
      affected.push({ task, started: state === SlotState.RUNNING || state === SlotState.DONE, startedAt: this.slots.startedAt(slot) });
    }
    const error = this.agentError(inc, exitCode);
    const at = nowMs();
    for (const { task, started, startedAt } of affected) {
      this.releaseSlot(task, zombie);
      clearTimeout(task.deadlineTimer);
      clearTimeout(task.graceTimer);
      if (started) this.noteStarted(task, handle, inc, startedAt, at);
      if (task.settled) continue;
      this.afterFailure(task, handle, inc, error, 'agent', started, startedAt, at);
    }
  }

  private agentError(inc: Incarnation, exitCode: number): Error {
    if (inc.killReason === 'hung') return new AgentHungError(inc.agentId, Math.round(nowMs() - inc.block.lastHeartbeatMs()));
    if (inc.killReason === 'failed') return new AgentCrashedError(inc.agentId, exitCode, new Error(`failAgent: ${inc.killDetail ?? 'no reason given'}`));
    return new AgentCrashedError(inc.agentId, exitCode, inc.lastError);
  }

  // --- cancellation and deadlines ----------------------------------------------

  cancel(task: TaskRecord, error: Error, status: 'cancelled' | 'failed' = 'cancelled'): void {
    if (task.settled) return;
    if (this.placement.withdraw(task)) {
      this.settle(task, { ok: false, error }, status);
      return;
    }
    const slot = task.slot;
    if (slot >= 0 && this.slots.get(slot, S_STATE) >= SlotState.RUNNING) this.countAttempt(task);
    this.settle(task, { ok: false, error }, status);
    if (slot < 0) return;
    // Running: ask the handler to stop (its signal aborts), then terminate its agent if it does not.
    const handle = this.supervisor.handleByOwner(this.slots.get(slot, S_CLAIM));
    handle?.inc?.post({ v: PROTOCOL_VERSION, kind: 'cancel', slot, taskId: task.id, reason: toWireError(error) });
    task.graceTimer = setTimeout(() => {
      if (this.placement.live.get(slot) === task && handle !== undefined) this.supervisor.kill(handle, status === 'failed' ? 'timeout' : 'cancelled');
    }, this.options.cancelGraceMs);
    task.graceTimer.unref();
  }

  private armDeadline(task: TaskRecord, handle: AgentHandle, startedAtMs: number): void {
    const timeoutMs = task.options.timeoutMs;
    if (timeoutMs === undefined) return;
    const slot = task.slot;
    task.deadlineTimer = setTimeout(() => {
      if (this.placement.live.get(slot) === task && handle.inc !== undefined) this.cancel(task, new TaskTimeoutError(timeoutMs), 'failed');
    }, Math.max(0, timeoutMs - (nowMs() - startedAtMs)));
    task.deadlineTimer.unref();
  }

  /** close({ drain: false }) and destroy(): every task not yet running (or, with `all`, every task) rejects. */
  rejectWaiting(all: boolean): void {
    for (const task of [...this.tasks.pending.values()]) {
      if (all || this.placement.withdraw(task)) {
        if (all) this.releaseSlot(task, true);
        clearTimeout(task.graceTimer);
        this.settle(task, { ok: false, error: new PoolClosedError(all ? 'Pool was destroyed' : 'Pool closed before the task started') }, 'cancelled');
      }
    }
  }
}
