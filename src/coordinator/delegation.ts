import type { AgentHandle } from '../agents/handle.js';
import type { Incarnation } from '../agents/incarnation.js';
import type { AgentRegistry } from '../agents/registry.js';
import type { EventBus } from '../bus.js';
import type { Clock, TimerHandle } from '../clock.js';
import { AbortError, DataCloneError, DeadlockError, fromWireError, toWireError, type WireError } from '../errors.js';
import { PROTOCOL_VERSION, type AgentMessage } from '../protocol.js';
import { findDeadlock } from '../scheduling/deadlock.js';
import type { TaskLedger } from '../tasks/ledger.js';
import type { Task } from '../tasks/task.js';
import type { TaskHandle, TaskOptions } from '../types.js';
import type { Cancellation } from './cancellation.js';

type SubmitMessage = Extract<AgentMessage, { kind: 'submit' }>;

export interface DelegationParts {
  bus: EventBus;
  clock: Clock;
  ledger: TaskLedger;
  registry: AgentRegistry;
  cancellation: Cancellation;
  /** Admission, as submit() does it, with the parent recorded. */
  submit: (payload: unknown, options: TaskOptions, parent: { taskId: number; traceId: string }) => TaskHandle<unknown>;
  /** How often the deadlock check runs while some task waits on subtasks (besides the changes that trigger it). */
  intervalMs: number;
}

interface Subtask {
  child: Task;
  parentId: number;
  /** The incarnation that asked, which gets the answers. */
  inc: Incarnation;
  requestId: number;
  /** ctx.run: the parent's handler awaits it. */
  awaited: boolean;
}

/**
 * ctx.run and ctx.submit on the coordinator side: admits an agent's subtask
 * request like any submit, answers the agent that asked (accepted or refused,
 * then settled), aborts subtasks whose parent ended badly, and detects a
 * deadlock among tasks that wait on subtasks (scheduling/deadlock.ts decides).
 */
export class Delegation {
  readonly #p: DelegationParts;
  /** Unsettled subtasks by their task id. */
  readonly #subtasks = new Map<number, Subtask>();
  /** Unsettled subtasks by parent task id. */
  readonly #byParent = new Map<number, Set<Subtask>>();
  #checkTimer: TimerHandle | undefined;
  #intervalTimer: TimerHandle | undefined;

  constructor(parts: DelegationParts) {
    this.#p = parts;
    // A parent that failed, timed out or was cancelled takes its subtasks with it.
    parts.bus.on('taskFailed', (e) => this.#abortChildren(e.taskId, `its parent task ${e.taskId} failed`));
    parts.bus.on('taskCancelled', (e) => this.#abortChildren(e.taskId, `its parent task ${e.taskId} was cancelled`));
  }

  onSubmit(handle: AgentHandle, inc: Incarnation, msg: SubmitMessage): void {
    const { ledger, registry } = this.#p;
    const pending = ledger.get(msg.parentTaskId);
    const parent = pending ?? ledger.settledSnapshot(msg.parentTaskId);
    // The agent must be running (or have run) the task it speaks for: no borrowing another task's trace.
    const slot = pending?.slot;
    const owns = parent !== undefined && ((slot !== undefined && registry.owning(slot) === handle) || parent.agentId === handle.agentId);
    if (parent === undefined || !owns) {
      inc.violation(`submitted a subtask for task ${msg.parentTaskId}, which it does not run`);
      return;
    }
    let accepted: TaskHandle<unknown>;
    try {
      accepted = this.#p.submit(msg.payload, msg.options, { taskId: parent.id, traceId: parent.traceId });
    } catch (error) {
      inc.post({ v: PROTOCOL_VERSION, kind: 'refused', requestId: msg.requestId, error: toWireError(error) });
      return;
    }
    const child = ledger.get(accepted.id) as Task;
    const sub: Subtask = { child, parentId: parent.id, inc, requestId: msg.requestId, awaited: msg.wait };
    this.#subtasks.set(child.id, sub);
    let siblings = this.#byParent.get(parent.id);
    if (siblings === undefined) this.#byParent.set(parent.id, (siblings = new Set()));
    siblings.add(sub);
    inc.post({ v: PROTOCOL_VERSION, kind: 'accepted', requestId: msg.requestId, taskId: child.id, traceId: accepted.traceId });
    accepted.result.then(
      (value) => this.#settled(sub, { ok: true, value }),
      (error: unknown) => this.#settled(sub, { ok: false, error }),
    );
    if (sub.awaited) this.#scheduleCheck();
  }

  onCancelSubtask(inc: Incarnation, requestId: number, reason: WireError): void {
    for (const sub of this.#subtasks.values()) {
      if (sub.inc === inc && sub.requestId === requestId) this.#p.cancellation.cancel(sub.child, new AbortError(fromWireError(reason)));
    }
  }

  /** The incarnation died: nobody can receive the results it awaited, so those subtasks are aborted. */
  onGone(inc: Incarnation): void {
    for (const sub of [...this.#subtasks.values()]) {
      if (sub.inc === inc && sub.awaited) this.#p.cancellation.cancel(sub.child, new AbortError(new Error(`the agent waiting on it (${inc.agentId}) exited`)));
    }
    this.#scheduleCheck();
  }

  #settled(sub: Subtask, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
    this.#subtasks.delete(sub.child.id);
    const siblings = this.#byParent.get(sub.parentId);
    siblings?.delete(sub);
    if (siblings?.size === 0) this.#byParent.delete(sub.parentId);
    if (sub.awaited) this.#scheduleCheck();
    if (sub.inc.state === 'dead') return;
    if (outcome.ok) {
      try {
        sub.inc.post({ v: PROTOCOL_VERSION, kind: 'settled', requestId: sub.requestId, ok: true, value: outcome.value });
        return;
      } catch (error) {
        outcome = { ok: false, error: new DataCloneError('result', error) };
      }
    }
    sub.inc.post({ v: PROTOCOL_VERSION, kind: 'settled', requestId: sub.requestId, ok: false, error: toWireError(outcome.error) });
  }

  #abortChildren(parentId: number, why: string): void {
    const children = this.#byParent.get(parentId);
    if (children === undefined) return;
    for (const sub of [...children]) this.#p.cancellation.cancel(sub.child, new AbortError(new Error(why)));
  }

  /** Coalesced: one check per turn of the event loop however many changes triggered it. */
  #scheduleCheck(): void {
    if (this.#checkTimer !== undefined) return;
    this.#checkTimer = this.#p.clock.setTimeout(() => {
      this.#checkTimer = undefined;
      this.#check();
    }, 0);
  }

  #check(): void {
    const waitingOn = new Map<number, number[]>();
    for (const sub of this.#subtasks.values()) {
      if (!sub.awaited || sub.child.settled) continue;
      const list = waitingOn.get(sub.parentId);
      if (list === undefined) waitingOn.set(sub.parentId, [sub.child.id]);
      else list.push(sub.child.id);
    }
    this.#keepChecking(waitingOn.size > 0);
    if (waitingOn.size === 0) return;
    const { registry, ledger } = this.#p;
    const agents = registry.occupancy().map((o) => ({ agentId: o.agentId, role: o.role, runningTaskId: o.slot === undefined ? undefined : ledger.inSlot(o.slot)?.id }));
    const running = new Set(agents.map((a) => a.runningTaskId));
    const waiting: { taskId: number; route: number }[] = [];
    for (const sub of this.#subtasks.values()) {
      const child = sub.child;
      // Not started by any agent: in the rings, or in a mailbox not yet taken.
      if (sub.awaited && !child.settled && (child.phase === 'queued' || child.phase === 'placed') && !running.has(child.id)) waiting.push({ taskId: child.id, route: child.route });
    }
    const deadlock = findDeadlock({ agents, waitingOn, waiting });
    if (deadlock === undefined) return;
    const victim = this.#subtasks.get(deadlock.taskId)?.child;
    if (victim !== undefined) this.#p.cancellation.cancel(victim, new DeadlockError(victim.id, deadlock.holders), 'failed');
  }

  /** A backstop while tasks wait on subtasks: an agent that is abandoned or retires later changes the answer without a message. */
  #keepChecking(on: boolean): void {
    if (on && this.#intervalTimer === undefined) {
      this.#intervalTimer = this.#p.clock.setInterval(() => this.#scheduleCheck(), this.#p.intervalMs);
    } else if (!on && this.#intervalTimer !== undefined) {
      this.#p.clock.clear(this.#intervalTimer);
      this.#intervalTimer = undefined;
    }
  }

  stop(): void {
    this.#p.clock.clear(this.#checkTimer);
    this.#p.clock.clear(this.#intervalTimer);
    this.#checkTimer = undefined;
    this.#intervalTimer = undefined;
  }
}
