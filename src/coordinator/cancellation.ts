import type { AgentRegistry } from '../agents/registry.js';
import type { Clock } from '../clock.js';
import { PoolClosedError, TaskTimeoutError, toWireError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { PROTOCOL_VERSION } from '../protocol.js';
import type { SlotTable } from '../ring/slot-table.js';
import type { TaskLedger } from '../tasks/ledger.js';
import type { Task } from '../tasks/task.js';
import type { Outcomes } from './outcomes.js';
import type { Placement } from './placement.js';

export interface CancellationParts {
  clock: Clock;
  options: ResolvedOptions;
  slots: SlotTable;
  ledger: TaskLedger;
  registry: AgentRegistry;
  placement: Placement;
  outcomes: Outcomes;
}

/**
 * Ending a task before its handler does: abort signals, deadlines, close and
 * destroy, a degraded pool, a pool whose agents were all abandoned. A waiting task is taken back and settles at once;
 * a running one settles at once too, its handler is asked to stop (its signal
 * aborts) and its agent is terminated if it does not within cancelGraceMs.
 */
export class Cancellation {
  readonly #p: CancellationParts;

  constructor(parts: CancellationParts) {
    this.#p = parts;
  }

  cancel(task: Task, error: Error, phase: 'cancelled' | 'failed' = 'cancelled'): void {
    const { ledger, placement, slots, registry, clock, options } = this.#p;
    if (task.settled) return;
    if (placement.withdraw(task)) {
      ledger.settle(task, { ok: false, error }, phase);
      return;
    }
    const slot = task.slot;
    const handle = slot === undefined ? undefined : registry.owning(slot);
    if (slot !== undefined && handle?.inc !== undefined && slots.hasStarted(slot)) {
      ledger.markStarted(task, handle.agentId, handle.inc.generation, slots.startedAt(slot));
    }
    ledger.settle(task, { ok: false, error }, phase);
    if (slot === undefined || handle?.inc === undefined) return;
    // Running: the slot stays the agent's until it lets go (its outcome, or its exit).
    handle.inc.post({ v: PROTOCOL_VERSION, kind: 'cancel', slot, taskId: task.id, reason: toWireError(error) });
    task.graceTimer = clock.setTimeout(() => {
      if (ledger.inSlot(slot) === task && registry.owning(slot) === handle) handle.inc?.kill(phase === 'failed' ? 'timeout' : 'cancelled', undefined, 2_000);
    }, options.cancelGraceMs);
  }

  /**
   * timeoutMs, counted from the handler's start. When it fires, the outcome
   * may already be in shared memory (the main thread was busy and has not
   * drained yet): it is read first, and a task that finished in time completes.
   */
  armDeadline(task: Task, startedAtMs: number): void {
    const timeoutMs = task.options.timeoutMs;
    const slot = task.slot;
    if (timeoutMs === undefined || slot === undefined || task.deadlineTimer !== undefined) return;
    const { clock, ledger, slots, outcomes } = this.#p;
    task.deadlineTimer = clock.setTimeout(() => {
      task.deadlineTimer = undefined;
      if (ledger.inSlot(slot) !== task) return;
      outcomes.drainAll();
      if (task.settled || ledger.inSlot(slot) !== task) return;
      // Finished, with its outcome on its way by message: not late.
      if (slots.phase(slot) === 'done' && slots.finishedAt(slot) - slots.startedAt(slot) <= timeoutMs) return;
      this.cancel(task, new TaskTimeoutError(timeoutMs), 'failed');
    }, Math.max(0, timeoutMs - (clock.nowMs() - startedAtMs)));
  }

  /** close({ drain: false }): every task not yet running rejects; destroy(): every task. */
  rejectWaiting(all: boolean): void {
    const { ledger, placement, clock } = this.#p;
    for (const task of [...ledger.pending()]) {
      if (!all && !placement.withdraw(task)) continue;
      if (all) {
        placement.withdraw(task);
        ledger.releaseSlot(task, true);
      }
      clock.clear(task.graceTimer);
      ledger.settle(task, { ok: false, error: new PoolClosedError(all ? 'Pool was destroyed' : 'Pool closed before the task started') }, 'cancelled');
    }
  }

  /**
   * No agent can start (degraded) or none is left (all abandoned): every task
   * waiting for one rejects with that error; with `only`, the tasks it picks
   * (those only a role that went down could run).
   */
  rejectWaitingWith(error: Error, only?: (task: Task) => boolean): void {
    const { ledger, placement } = this.#p;
    for (const task of [...ledger.pending()]) if ((only === undefined || only(task)) && placement.withdraw(task)) ledger.settle(task, { ok: false, error }, 'failed');
  }
}
