import type { AgentRegistry } from '../agents/registry.js';
import type { EventBus } from '../bus.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { TaskLedger } from '../tasks/ledger.js';

export interface WatchdogParts {
  bus: EventBus;
  clock: Clock;
  registry: AgentRegistry;
  ledger: TaskLedger;
  hangTimeoutMs: number;
  intervalMs: number;
}

/**
 * Hang detection. Agents write a heartbeat time into shared memory (a timer,
 * task start and ctx.heartbeat()); a handler stuck in synchronous code stops
 * the timer, so a running agent silent for hangTimeoutMs is terminated. Checked
 * every heartbeat interval, so detection lands within hangTimeoutMs + one interval.
 */
export class Watchdog {
  readonly #p: WatchdogParts;
  #timer: TimerHandle | undefined;

  constructor(parts: WatchdogParts) {
    this.#p = parts;
  }

  start(): void {
    this.#timer = this.#p.clock.setInterval(() => this.check(), this.#p.intervalMs);
  }

  stop(): void {
    this.#p.clock.clear(this.#timer);
  }

  check(): void {
    const { clock, registry, ledger, bus, hangTimeoutMs } = this.#p;
    for (const { handle, slot, silentMs } of [...registry.silentWhileRunning(clock.nowMs(), hangTimeoutMs)]) {
      const task = ledger.inSlot(slot);
      bus.emit('agentHung', { agentId: handle.agentId, generation: handle.generation, role: registry.roleName(handle), silentMs: Math.round(silentMs), taskId: task?.id, traceId: task?.traceId });
      handle.inc?.kill('hung', undefined, 2_000);
    }
  }
}
