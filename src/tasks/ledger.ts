import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { TaskSnapshot } from '../types.js';
import { DEFAULTS } from '../options.js';
import { FinishedTasks } from './finished-tasks.js';
import { RELEASED_PAYLOAD } from './payload.js';
import { canMove, type TaskPhase, type TerminalPhase } from './phase.js';
import type { Settle, Task } from './task.js';

/** Frees a slot for reuse, and the shared memory a settled task's payload held; the slot table in the pool, a fake in unit tests. */
export interface SlotReleaser {
  release(slot: number): void;
  releasePayload?(bytes: Uint8Array): void;
}

/** Told of every settlement: metrics and waiters. */
export interface SettleObserver {
  onAdmitted?(task: Task, pendingCount: number): void;
  onSettled(task: Task, phase: TerminalPhase, pendingCount: number): void;
}

export interface LedgerParts {
  bus: EventBus;
  clock: Clock;
  slots: SlotReleaser;
  observers: readonly SettleObserver[];
  finishedTasksKept?: number;
}

export class IllegalTransitionError extends Error {
  constructor(readonly taskId: number, readonly from: TaskPhase, readonly to: TaskPhase) {
    super(`task ${taskId} cannot move from ${from} to ${to}`);
  }
}

/**
 * The one owner of task state: every accepted task until it settles, then what
 * getTask() shows of the most recent settled ones (FinishedTasks); each task's
 * phase (moved only through guarded transitions); which slot each task
 * occupies, released in one place; and settle(), which delivers each task's
 * outcome exactly once.
 */
export class TaskLedger {
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #slots: SlotReleaser;
  readonly #observers: readonly SettleObserver[];
  readonly #pending = new Map<number, Task>();
  readonly #bySlot = new Map<number, Task>();
  readonly #finished: FinishedTasks;

  constructor(parts: LedgerParts) {
    this.#bus = parts.bus;
    this.#clock = parts.clock;
    this.#slots = parts.slots;
    this.#observers = parts.observers;
    this.#finished = new FinishedTasks(parts.finishedTasksKept ?? DEFAULTS.finishedTasksKept);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  pending(): IterableIterator<Task> {
    return this.#pending.values();
  }

  admit(task: Task): void {
    this.#pending.set(task.id, task);
    for (const o of this.#observers) o.onAdmitted?.(task, this.#pending.size);
  }

  /** A pending task (accepted, not settled yet). */
  get(id: number): Task | undefined {
    return this.#pending.get(id);
  }

  /** What getTask() shows of a settled task, while it is among the finishedTasksKept most recent. */
  settledSnapshot(id: number): TaskSnapshot | undefined {
    return this.#finished.snapshot(id);
  }

  /** The task occupying a slot, if any. */
  inSlot(slot: number): Task | undefined {
    return this.#bySlot.get(slot);
  }

  /** Every occupied slot with its task (queued in a ring, handed over, running or finishing). */
  occupied(): IterableIterator<[number, Task]> {
    return this.#bySlot.entries();
  }

  move(task: Task, to: TaskPhase): void {
    if (task.phase === to) return;
    if (!canMove(task.phase, to)) throw new IllegalTransitionError(task.id, task.phase, to);
    task.phase = to;
  }

  /** The task now occupies `slot` (written and about to be published); a new placement. */
  occupy(task: Task, slot: number, phase: 'queued' | 'placed'): void {
    this.move(task, phase);
    task.slot = slot;
    task.placement++;
    this.#bySlot.set(slot, task);
  }

  /**
   * The one place a slot is given up. A quarantined slot is forgotten but never
   * reused: a zombie agent (terminate gave up) may still write into it.
   */
  releaseSlot(task: Task, quarantine = false): void {
    const slot = task.slot;
    if (slot === undefined) return;
    task.slot = undefined;
    // A slot already re-occupied by another task is not this task's to free.
    if (this.#bySlot.get(slot) !== task) return;
    this.#bySlot.delete(slot);
    if (!quarantine) this.#slots.release(slot);
  }

  /** A try of the current placement has started on an agent: counted once. */
  markStarted(task: Task, agentId: number, generation: number, startedAt: number): void {
    if (task.settled) return;
    this.move(task, 'running');
    task.attempts.start(task.placement, agentId, generation, startedAt);
    task.assignmentLatencyMs ??= Math.max(0, startedAt - task.queuedAt);
  }

  /** The current try failed; the attempt log records it, which is what later placement avoids. */
  markTryFailed(task: Task, error: Error, finishedAt: number): void {
    const entry = task.attempts.of(task.placement);
    if (entry === undefined) return;
    entry.error = error;
    entry.finishedAt = finishedAt;
  }

  /**
   * Delivers the task's outcome, exactly once: later calls return false and
   * change nothing. The slot is not touched: callers release it when the agent
   * lets go of it (a task cancelled while running keeps its slot until then).
   */
  settle(task: Task, outcome: Settle, phase: TerminalPhase): boolean {
    if (task.settled) return false;
    this.move(task, phase);
    const at = this.#clock.nowMs();
    task.finishedAt = at;
    const entry = task.attempts.of(task.placement);
    if (entry !== undefined) entry.finishedAt ??= at;
    this.#clock.clear(task.deadlineTimer);
    task.deadlineTimer = undefined;
    task.cleanup?.();
    task.cleanup = undefined;
    if (!outcome.ok) task.error = outcome.error;
    // What getTask() shows is copied into #finished; the Task itself is kept by nothing here,
    // so its options, promise and result go with the caller's hold on them. Its payload goes
    // now: a task cancelled while running stays in its slot until the agent lets go.
    if (task.payload.kind === 'bytes') this.#slots.releasePayload?.(task.payload.bytes);
    task.payload = RELEASED_PAYLOAD;
    this.#pending.delete(task.id);
    this.#finished.record(task, phase);
    task.deliver(outcome);
    for (const o of this.#observers) o.onSettled(task, phase, this.#pending.size);
    this.#announce(task, outcome, phase);
    return true;
  }

  #announce(task: Task, outcome: Settle, phase: TerminalPhase): void {
    const name = phase === 'completed' ? 'taskCompleted' : phase === 'failed' ? 'taskFailed' : 'taskCancelled';
    if (!this.#bus.wants(name)) return;
    const ref = { taskId: task.id, traceId: task.traceId, type: task.type };
    const attempt = task.attempts.started;
    if (outcome.ok) {
      const startedAt = task.startedAt ?? task.finishedAt ?? 0;
      this.#bus.emit('taskCompleted', { ...ref, agentId: task.agentId ?? -1, attempt, runMs: (task.finishedAt ?? 0) - startedAt, assignmentLatencyMs: task.assignmentLatencyMs ?? 0 });
    } else if (phase === 'failed') {
      this.#bus.emit('taskFailed', { ...ref, agentId: task.agentId, attempt, error: outcome.error, attempts: attempt });
    } else {
      this.#bus.emit('taskCancelled', { ...ref, reason: outcome.error.cause });
    }
  }
}
