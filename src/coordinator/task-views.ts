import type { AgentRegistry } from '../agents/registry.js';
import type { Clock } from '../clock.js';
import type { RunningTask } from '../metrics/alerts.js';
import type { SlotTable } from '../ring/slot-table.js';
import type { TaskLedger } from '../tasks/ledger.js';
import type { Task } from '../tasks/task.js';
import type { TaskSnapshot } from '../types.js';

/**
 * Read-only views of tasks as the caller sees them. Agents claim work from the
 * rings without telling the main thread, so while an agent holds a task,
 * "running", its agent and its start time are read from the slot.
 */
export class TaskViews {
  constructor(
    private readonly parts: { clock: Clock; slots: SlotTable; ledger: TaskLedger; registry: AgentRegistry },
  ) {}

  /** An agent has claimed the task and not yet published its outcome. */
  #heldByAgent(task: Task): boolean {
    return !task.settled && task.slot !== undefined && this.parts.slots.isHeldByAgent(task.slot);
  }

  snapshot(task: Task): TaskSnapshot {
    const { slots, registry } = this.parts;
    const base: TaskSnapshot = {
      id: task.id,
      traceId: task.traceId,
      type: task.type,
      priority: task.options.priority,
      status: task.phase === 'placed' ? 'queued' : task.phase,
      attempts: task.attempts.started,
      agentId: task.agentId,
      failedAgentIds: task.attempts.failedAgentIds(),
      queuedAt: task.queuedAt,
      startedAt: task.startedAt,
      finishedAt: task.finishedAt,
      assignmentLatencyMs: task.assignmentLatencyMs,
      error: task.error,
      parentId: task.parentId,
    };
    const slot = task.slot;
    if (slot === undefined || !this.#heldByAgent(task)) return base;
    const started = slots.hasStarted(slot);
    const counted = task.attempts.of(task.placement) !== undefined;
    return {
      ...base,
      status: 'running',
      attempts: started && !counted ? base.attempts + 1 : base.attempts,
      agentId: registry.owning(slot)?.agentId ?? base.agentId,
      startedAt: slots.startedAt(slot) || base.startedAt,
    };
  }

  runningCount(): number {
    let n = 0;
    for (const [, task] of this.parts.ledger.occupied()) if (this.#heldByAgent(task)) n++;
    return n;
  }

  /** Tasks whose handler is running now, with how long it has run (for slow-task alerts). */
  *running(): Generator<RunningTask> {
    const { clock, slots, ledger, registry } = this.parts;
    const now = clock.nowMs();
    for (const [slot, task] of ledger.occupied()) {
      if (task.settled || slots.phase(slot) !== 'running') continue;
      const startedAt = slots.startedAt(slot);
      if (startedAt <= 0) continue;
      yield { taskId: task.id, traceId: task.traceId, type: task.type, agentId: registry.owning(slot)?.agentId, runningMs: now - startedAt };
    }
  }
}
