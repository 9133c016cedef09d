import type { Supervisor } from '../agents/supervisor.js';
import type { TypedEmitter } from '../events.js';
import { C_CURRENT, SlotState, S_STATE, nowMs } from '../ring/layout.js';
import type { SlotTable } from './slot-table.js';

/**
 * Hang detection. Agents write a heartbeat time into shared memory (a timer,
 * task start and ctx.heartbeat()); a handler stuck in synchronous code stops
 * the timer, so a running agent silent for hangTimeoutMs is terminated. Checked
 * every heartbeat interval, so detection lands within hangTimeoutMs + one interval.
 */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly slots: SlotTable,
    private readonly events: TypedEmitter,
    private readonly hangTimeoutMs: number,
    private readonly intervalMs: number,
    private readonly taskOf: (slot: number) => { id: number; traceId: string } | undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const now = nowMs();
    for (const handle of this.supervisor.handles.values()) {
      const inc = handle.inc;
      if (inc?.state !== 'ready') continue;
      const current = inc.block.load(C_CURRENT);
      if (current === 0 || this.slots.get(current - 1, S_STATE) !== SlotState.RUNNING) continue;
      const silentMs = now - inc.block.lastHeartbeatMs();
      if (silentMs <= this.hangTimeoutMs) continue;
      const task = this.taskOf(current - 1);
      this.events.emit('agentHung', { agentId: handle.agentId, generation: handle.generation, silentMs: Math.round(silentMs), taskId: task?.id, traceId: task?.traceId });
      this.supervisor.kill(handle, 'hung');
    }
  }
}
