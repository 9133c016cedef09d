import type { AgentLatencySink as LatencySink } from '../metrics/recorder.js';
import type { SlotTable } from '../ring/slot-table.js';
import { chooseAgent, chooseWaker, type AgentCandidate } from '../scheduling/choose-agent.js';
import type { AgentSnapshot } from '../types.js';
import type { AgentHandle } from './handle.js';
import type { Incarnation } from './incarnation.js';
import type { RoleTable } from './role-table.js';

/** What the direct hand-off must avoid for one task (derived from its attempt log). */
export interface Exclusions {
  failedAgentIds: readonly number[];
  failedIncarnations: ReadonlySet<string>;
}

/**
 * The pool's agents, and every question asked about them as a group: which
 * may take a task, which sleeps and should be woken, which owns a slot, what a
 * snapshot shows. Nothing outside agents/ iterates the handles.
 */
export class AgentRegistry {
  readonly #handles = new Map<number, AgentHandle>();

  constructor(
    private readonly slots: SlotTable,
    private readonly roles: RoleTable,
  ) {}

  get size(): number {
    return this.#handles.size;
  }

  /** Agents that stay: not retiring, not abandoned (an abandoned one holds no thread and never will). */
  get staying(): number {
    let n = 0;
    for (const h of this.#handles.values()) if (!h.retiring && h.abandoned === undefined) n++;
    return n;
  }

  /** The handles that stay (see `staying`), of one role when given. */
  stayingHandles(role?: number): AgentHandle[] {
    return this.all().filter((h) => !h.retiring && h.abandoned === undefined && (role === undefined || h.role === role));
  }

  add(handle: AgentHandle): void {
    this.#handles.set(handle.agentId, handle);
  }

  remove(handle: AgentHandle): void {
    if (this.#handles.get(handle.agentId) === handle) this.#handles.delete(handle.agentId);
  }

  roleName(handle: AgentHandle): string {
    return this.roles.nameOf(handle.role);
  }

  get(agentId: number): AgentHandle | undefined {
    return this.#handles.get(agentId);
  }

  all(): AgentHandle[] {
    return [...this.#handles.values()];
  }

  ids(): number[] {
    return [...this.#handles.keys()];
  }

  /** The current incarnation of a handle, when `inc` is it (a late event from an old one is not). */
  isCurrent(inc: Incarnation): AgentHandle | undefined {
    const handle = this.#handles.get(inc.agentId);
    return handle?.inc === inc ? handle : undefined;
  }

  /** Incarnations whose completion rings may hold outcomes (a new agent may finish work before its 'ready' is handled). */
  *drainable(): Generator<[AgentHandle, Incarnation]> {
    for (const handle of this.#handles.values()) {
      const inc = handle.inc;
      if (inc !== undefined && inc.state !== 'dead') yield [handle, inc];
    }
  }

  /** The agent whose current incarnation owns a slot. */
  owning(slot: number): AgentHandle | undefined {
    const owner = this.slots.owner(slot);
    if (owner === undefined) return undefined;
    for (const handle of this.#handles.values()) if (handle.inc?.block.owner === owner) return handle;
    return undefined;
  }

  /** Ready agents of the roles in `route` (a bit mask over role indices). */
  private candidates(type: string, route: number): { candidate: AgentCandidate; handle: AgentHandle }[] {
    const out: { candidate: AgentCandidate; handle: AgentHandle }[] = [];
    for (const handle of this.#handles.values()) {
      const inc = handle.inc;
      if (inc?.acceptsWork !== true || handle.retiring || ((1 << handle.role) & route) === 0) continue;
      const s = inc.block.agentState();
      const stats = handle.typeStats.get(type);
      out.push({
        handle,
        candidate: {
          agentId: handle.agentId,
          generation: handle.generation,
          state: s === 'waiting' ? 'waiting' : s === 'busy' ? 'busy' : 'active',
          hasDirect: inc.block.hasDirect(),
          successes: stats?.successes ?? 0,
          avgRunMs: stats ? stats.totalRunMs / stats.successes : 0,
        },
      });
    }
    return out;
  }

  /** Some ready agent that stays has an empty mailbox: a direct hand-off could be placed now. */
  anyMailboxFree(): boolean {
    for (const handle of this.#handles.values()) {
      const inc = handle.inc;
      if (inc?.acceptsWork === true && !handle.retiring && !inc.block.hasDirect()) return true;
    }
    return false;
  }

  /**
   * The agent a direct hand-off of this task should go to, or undefined to keep
   * it waiting. `notRunning`: only an agent that is not running a task now (a
   * payload whose buffers move on hand-off must not leave the caller while the
   * task could still be cancelled in a queue).
   */
  chooseFor(type: string, route: number, exclusions: Exclusions, notRunning = false): Incarnation | undefined {
    const eligible = this.candidates(type, route);
    const all = notRunning ? eligible.filter((c) => c.handle.inc?.block.currentSlot() === undefined) : eligible;
    const chosen = chooseAgent(
      all.map((c) => c.candidate),
      exclusions,
    );
    return all.find((c) => c.candidate === chosen)?.handle.inc;
  }

  /**
   * True when every agent's current incarnation has failed the task and none is
   * starting or restarting (a new incarnation would be allowed): waiting for an
   * agent would wait forever, e.g. a retryable error in a pool smaller than maxAttempts.
   */
  noneWillEverRun(failedIncarnations: ReadonlySet<string>, route: number): boolean {
    for (const handle of this.#handles.values()) {
      // An abandoned agent will never run it either, nor one of a role the task may not go to.
      if (handle.retiring || handle.abandoned !== undefined || ((1 << handle.role) & route) === 0) continue;
      if (handle.inc?.state !== 'ready' || handle.inc.gone) return false;
      if (!failedIncarnations.has(handle.inc.key)) return false;
    }
    return true;
  }

  /**
   * Wakes one sleeping agent per role in `route` for tasks newly pushed onto
   * the rings, if that role's awake agents will not take them all: the one
   * with the best history for the type. An ACTIVE agent (between tasks) looks
   * at the rings at least once more before it can sleep: the push came before
   * this read of its state, and it stores WAITING before its last look. A
   * woken agent that still sees work for its role after its claim wakes the
   * next sleeper of its role itself, so the main thread pays for at most one
   * cross-thread wake-up per role and burst of submits, and the agents, which
   * are idle when this happens, pay for the rest.
   */
  wakeFor(type: string, route: number, waitingFor: (role: number) => number): void {
    for (let role = 0, bits = route; bits !== 0; role++, bits >>>= 1) if ((bits & 1) !== 0) this.#wakeRole(type, role, waitingFor(role));
  }

  #wakeRole(type: string, role: number, waitingCount: number): void {
    let sleepers = 0;
    let awake = 0;
    let sleeper: AgentHandle | undefined;
    for (const handle of this.#handles.values()) {
      // An agent asleep on a full completion ring cannot take the task; the drain wakes it.
      // 'starting' too: an agent loops as soon as it has posted 'ready', so it may be
      // asleep before that message is handled here, and nothing else would wake it.
      const inc = handle.inc;
      if (handle.role !== role || inc === undefined || (inc.state !== 'ready' && inc.state !== 'starting') || handle.retiring || inc.block.completionRoom() <= 0) continue;
      const state = inc.block.agentState();
      if (state === 'waiting') {
        sleeper = handle;
        sleepers++;
      } else if (state === 'active') {
        awake++;
      }
    }
    if (sleepers === 0 || sleeper === undefined || waitingCount <= awake) return;
    if (sleepers === 1) {
      sleeper.inc?.block.wakeIfWaiting();
      return;
    }
    // Several asleep: best history for the type first; one that woke by itself meanwhile is
    // skipped, and so is one at its completion share (woken, it could take nothing, and the
    // sleepers that could would stay asleep).
    const order = this.candidates(type, 1 << role).filter((c) => c.candidate.state === 'waiting' && (c.handle.inc?.block.completionRoom() ?? 0) > 0);
    while (order.length > 0) {
      const best = chooseWaker(order.map((c) => c.candidate));
      const i = Math.max(0, order.findIndex((c) => c.candidate === best));
      const [picked] = order.splice(i, 1);
      if (picked?.handle.inc?.block.wakeIfWaiting() === true) return;
    }
  }

  /** Wakes a sleeper whose completion ring was full and has room again, if work waits for it. */
  wakeAfterDrain(inc: Incarnation, workWaits: boolean): void {
    // The agent stores WAITING before its last look at the ring; we moved the ring
    // head before reading its state: with seq-cst ordering, either it saw the room
    // or we see it waiting.
    if (workWaits || inc.block.hasDirect()) inc.block.wakeIfWaiting();
  }

  /** Hands every agent's latency counts (ControlBlock.drainLatencies) to `sink`, under its agent id and type names. */
  drainLatencies(sink: LatencySink): void {
    for (const handle of this.#handles.values()) if (handle.inc !== undefined) this.drainLatenciesOf(handle, handle.inc, sink);
  }

  /** The same for one incarnation (one that is gone: before its block is reused). */
  drainLatenciesOf(handle: AgentHandle, inc: Incarnation, sink: LatencySink): void {
    const types = this.roles.typeCodes;
    inc.block.drainLatencies(
      (code, kind, index, count) => {
        const type = types[code];
        if (type !== undefined) sink.absorbLatency(handle.agentId, type, kind, index, count);
      },
      (code, kind, us) => {
        const type = types[code];
        if (type !== undefined) sink.absorbLatencyMax(handle.agentId, type, kind, us);
      },
    );
  }

  /** Take a direct hand-off back from whichever agent holds it in its mailbox. */
  withdrawDirect(slot: number): boolean {
    for (const handle of this.#handles.values()) if (handle.inc?.block.withdrawDirect(slot) === true) return true;
    return false;
  }

  /**
   * Every agent that stays, with the slot it runs now: undefined when it is
   * free, starting or restarting (it will take work). Abandoned and retiring
   * agents are left out: they will never take more.
   */
  occupancy(): { agentId: number; role: number; slot: number | undefined }[] {
    const out: { agentId: number; role: number; slot: number | undefined }[] = [];
    for (const h of this.#handles.values()) {
      if (h.retiring || h.abandoned !== undefined) continue;
      out.push({ agentId: h.agentId, role: h.role, slot: h.inc?.state === 'ready' ? h.inc.block.currentSlot() : undefined });
    }
    return out;
  }

  /** Whether an agent is running a task now (the current-slot word, not the BUSY state: an agent stores BUSY for a moment while it claims). */
  isBusy(handle: AgentHandle): boolean {
    return handle.inc?.state === 'ready' && handle.inc.block.currentSlot() !== undefined;
  }

  /** Agents running a handler that has sent no heartbeat for longer than `limitMs`. */
  *silentWhileRunning(nowMs: number, limitMs: number): Generator<{ handle: AgentHandle; slot: number; silentMs: number }> {
    for (const handle of this.#handles.values()) {
      const inc = handle.inc;
      if (inc?.state !== 'ready') continue;
      const slot = inc.block.currentSlot();
      if (slot === undefined || !this.slots.isSlot(slot) || this.slots.phase(slot) !== 'running') continue;
      const silentMs = nowMs - inc.block.lastHeartbeatMs();
      if (silentMs > limitMs) yield { handle, slot, silentMs };
    }
  }

  snapshot(handle: AgentHandle, stopping: boolean, currentTaskId: (slot: number) => number | undefined): AgentSnapshot {
    const inc = handle.inc;
    let status: AgentSnapshot['status'];
    if (handle.abandoned !== undefined) status = 'abandoned';
    else if (inc === undefined) status = handle.retiring || stopping ? 'stopped' : 'restarting';
    else if (inc.state === 'starting') status = 'starting';
    else if (inc.state !== 'ready') status = 'restarting';
    else status = inc.block.currentSlot() !== undefined ? 'busy' : 'idle';
    const slot = inc?.block.currentSlot();
    return {
      agentId: handle.agentId,
      role: this.roles.nameOf(handle.role),
      threadId: inc?.threadId ?? -1,
      generation: handle.generation,
      status,
      currentTaskId: slot === undefined ? undefined : currentTaskId(slot),
      contextId: inc?.contextId,
      tasksCompleted: handle.tasksCompleted,
      tasksFailed: handle.tasksFailed,
      restarts: handle.restarts,
    };
  }
}
