import type { AgentHandle, Supervisor } from '../agents/supervisor.js';
import type { RunningTask } from '../metrics/alerts.js';
import { S_CLAIM, S_STATE, SlotState, nowMs } from '../ring/layout.js';
import type { TaskRecord } from '../task.js';
import type { TaskSnapshot } from '../types.js';
import type { Placement } from './placement.js';
import type { SlotTable } from './slot-table.js';

/**
 * Read-only views of tasks as the caller sees them. While an agent holds a
 * task, "running", its agent and its start time live in the slot in shared
 * memory (agents do not message the main thread when they start), so they
 * are read from there.
 */
export class TaskViews {
  constructor(
    private readonly slots: SlotTable,
    private readonly placement: Placement,
    private readonly supervisor: Supervisor,
  ) {}

  private handleOwning(slot: number): AgentHandle | undefined {
    return this.supervisor.handleByOwner(this.slots.get(slot, S_CLAIM));
  }

  /** An agent has claimed the task and not yet published its outcome. */
  private isRunning(task: TaskRecord): boolean {
    if (task.settled || task.slot < 0) return false;
    const state = this.slots.get(task.slot, S_STATE);
    return state === SlotState.CLAIMED || state === SlotState.RUNNING;
  }

  snapshot(task: TaskRecord): TaskSnapshot {
    const snap = task.snapshot();
    if (!this.isRunning(task)) return snap;
    const slot = task.slot;
    const started = this.slots.get(slot, S_STATE) === SlotState.RUNNING;
    return {
      ...snap,
      status: 'running',
      attempts: started && !task.attemptCounted ? snap.attempts + 1 : snap.attempts,
      agentId: this.handleOwning(slot)?.agentId ?? snap.agentId,
      startedAt: this.slots.startedAt(slot) || snap.startedAt,
    };
  }

  runningCount(): number {
    let n = 0;
    for (const task of this.placement.live.values()) if (this.isRunning(task)) n++;
    return n;
  }

  /** Tasks whose handler is running now, with how long it has run (for slow-task alerts). */
  *running(): Generator<RunningTask> {
    const now = nowMs();
    for (const [slot, task] of this.placement.live) {
      if (task.settled || this.slots.get(slot, S_STATE) !== SlotState.RUNNING) continue;
      const startedAt = this.slots.startedAt(slot);
      if (startedAt <= 0) continue;
      yield { taskId: task.id, traceId: task.traceId, type: task.type, agentId: this.handleOwning(slot)?.agentId, runningMs: now - startedAt };
    }
  }
}
