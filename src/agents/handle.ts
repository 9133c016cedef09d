import { nowMs } from '../clock.js';
import type { Incarnation } from './incarnation.js';

/** An agent's stable identity across restarts; `inc` is its current life. The one owner of an agent's state. */
export class AgentHandle {
  generation = 0;
  inc: Incarnation | undefined;
  restarts = 0;
  tasksCompleted = 0;
  tasksFailed = 0;
  consecutiveFailures = 0;
  /** Shrinking: finishes its task, then exits and is not replaced. */
  retiring = false;
  /** Past the restart limit: never started again; why its last incarnation died. */
  abandoned: Error | undefined;
  /** Epoch ms of its restarts still inside the restart window (kept only with a restart policy). */
  restartTimesMs: number[] = [];
  restartTimer: { readonly id: unknown } | undefined;
  readonly typeStats = new Map<string, { successes: number; totalRunMs: number }>();
  #readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** Epoch ms: the start of this agent's time for per-agent utilization. */
  readonly createdAtMs = nowMs();

  /** `role`: index into the pool's roles (0 in a pool of one `agent`). */
  constructor(readonly agentId: number, readonly role = 0) {}

  get ready(): boolean {
    return this.inc?.state === 'ready';
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    // Nothing will ever start it: waiting would never end.
    if (this.abandoned !== undefined) return Promise.reject(this.abandoned);
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /** Whether anyone waits for this agent to become ready. */
  get awaited(): boolean {
    return this.#readyWaiters.length > 0;
  }

  settleReady(error?: Error): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
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
