import type { AgentHandle, Supervisor } from '../agents/supervisor.js';
import type { TypedEmitter } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import { AgentState, C_DIRECT, C_STATE, SlotState, S_STATE } from '../ring/layout.js';
import type { SharedQueue } from '../ring/shared-queue.js';
import { chooseAgent, chooseWaker, type AgentCandidate } from '../scheduling/choose-agent.js';
import type { TaskRecord } from '../task.js';
import type { SlotTable } from './slot-table.js';

/**
 * Where a waiting task sits, and moving it: the shared priority rings (normal
 * work, taken by agents on their own), `held` (a required dependency is down),
 * `early` (no agent has told us its task types yet) and `direct` (retries that
 * must avoid some agents, handed to one chosen agent's mailbox).
 */
export class Placement {
  /** slot -> task for every task that occupies a slot (queued, handed off, running, finishing). */
  readonly live = new Map<number, TaskRecord>();
  held: TaskRecord[] = [];
  early: TaskRecord[] = [];
  direct: TaskRecord[] = [];
  /** A retry that no current or future agent may run: every agent's incarnation already failed it. */
  onUnplaceable: ((task: TaskRecord) => void) | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly queue: SharedQueue,
    private readonly slots: SlotTable,
    private readonly supervisor: Supervisor,
    private readonly events: TypedEmitter,
    private readonly dependencyDown: (type: string) => string[],
  ) {}

  /** Tasks waiting for an agent: what the capacity bound counts (direct retries excepted). */
  waitingCount(): number {
    return this.queue.waitingCount() + this.held.length + this.early.length;
  }

  typeCode(type: string): number {
    return this.supervisor.types?.indexOf(type) ?? -1;
  }

  /** A new or released task: rings unless it must wait for types or a dependency. */
  place(task: TaskRecord): void {
    if (this.supervisor.types === undefined) {
      task.status = 'queued';
      this.early.push(task);
      return;
    }
    const down = this.dependencyDown(task.type);
    if (down.length > 0) {
      task.status = 'held';
      this.held.push(task);
      this.events.emit('taskHeld', { taskId: task.id, traceId: task.traceId, type: task.type, dependencies: down });
      return;
    }
    this.toRing(task);
  }

  private toRing(task: TaskRecord): void {
    const slot = this.slots.allocate();
    if (slot === undefined) {
      // Every slot is taken (zombie agents can pin some): keep it for the next direct pass.
      this.direct.push(task);
      return;
    }
    this.slots.write(slot, task, this.typeCode(task.type));
    task.slot = slot;
    task.status = 'queued';
    this.live.set(slot, task);
    this.queue.push(task.options.priority - 1, slot);
    this.wakeFor(task.type);
  }

  private candidates(type: string): { candidate: AgentCandidate; handle: AgentHandle }[] {
    const out: { candidate: AgentCandidate; handle: AgentHandle }[] = [];
    for (const handle of this.supervisor.handles.values()) {
      const inc = handle.inc;
      if (inc?.state !== 'ready' || handle.retiring) continue;
      const s = inc.block.state;
      const stats = handle.typeStats.get(type);
      out.push({
        handle,
        candidate: {
          agentId: handle.agentId,
          generation: handle.generation,
          state: s === AgentState.WAITING ? 'waiting' : s === AgentState.BUSY ? 'busy' : 'active',
          hasDirect: inc.block.load(C_DIRECT) !== 0,
          successes: stats?.successes ?? 0,
          avgRunMs: stats ? stats.totalRunMs / stats.successes : 0,
        },
      });
    }
    return out;
  }

  /**
   * Wakes a sleeping agent for a newly queued task, the one with the best
   * history for its type when several sleep. The CAS from WAITING to WAKING
   * makes a burst of pushes wake different agents; an agent that is awake finds
   * the task on its own. Runs on every submit, so it allocates only when it must choose.
   */
  private wakeFor(type: string): void {
    let sleeper: AgentHandle | undefined;
    let sleepers = 0;
    let awake = 0;
    for (const handle of this.supervisor.handles.values()) {
      // An agent asleep on a full completion ring cannot take the task; the drain wakes it.
      // 'starting' too: an agent loops as soon as it has posted 'ready', so it may be
      // asleep before that message is handled here, and nothing else would wake it.
      const inc = handle.inc;
      const block = inc?.block;
      if ((inc?.state !== 'ready' && inc?.state !== 'starting') || block === undefined || handle.retiring || block.completionRoom() === 0) continue;
      const state = block.state;
      if (state === AgentState.WAITING) {
        sleeper = handle;
        sleepers++;
      } else if (state === AgentState.ACTIVE) {
        awake++;
      }
    }
    if (sleepers === 0 || sleeper === undefined) return;
    // An ACTIVE agent (between tasks, or spinning in low-latency mode) looks at
    // the rings at least once more before it can sleep: we pushed before reading
    // its state, and it stores WAITING before its last look. Each such agent will
    // take one waiting task, so a sleeper is woken only for the surplus. (This
    // saves a cross-thread wake-up and a wasted spin per task.)
    if (awake >= this.queue.waitingCount()) return;
    if (sleepers > 1) {
      const all = this.candidates(type);
      const best = chooseWaker(all.map((c) => c.candidate));
      sleeper = all.find((c) => c.candidate === best)?.handle ?? sleeper;
    }
    const block = sleeper.inc?.block;
    if (block?.compareExchange(C_STATE, AgentState.WAITING, AgentState.WAKING) === AgentState.WAITING) block.ring();
    else if (sleepers > 1) this.wakeFor(type); // it woke by itself meanwhile: try the next sleeper
  }

  /** Re-queue a task that never started: no attempt spent, no agent excluded. */
  requeue(task: TaskRecord): void {
    this.toRing(task);
  }

  retry(task: TaskRecord): void {
    task.status = 'queued';
    this.direct.push(task);
    this.placeDirect();
  }

  /** Hand retries to agents allowed to run them; what cannot be placed now waits for the next pass. */
  placeDirect(): void {
    if (this.direct.length === 0 || this.supervisor.types === undefined) return;
    const byPriority = [...this.direct].sort((a, b) => a.options.priority - b.options.priority || a.queuedAt - b.queuedAt);
    const remaining: TaskRecord[] = [];
    for (const task of byPriority) {
      if (task.settled) continue;
      const all = this.candidates(task.type);
      const chosen = chooseAgent(
        all.map((c) => c.candidate),
        { failedAgentIds: task.failedAgentIds, failedIncarnations: task.failedIncarnations },
      );
      const block = all.find((c) => c.candidate === chosen)?.handle.inc?.block;
      const slot = block === undefined ? undefined : this.slots.allocate();
      if (block === undefined || slot === undefined) {
        if (chosen === undefined && this.noAgentWillEverRun(task)) this.onUnplaceable?.(task);
        else remaining.push(task);
        continue;
      }
      this.slots.write(slot, task, this.typeCode(task.type));
      this.slots.assign(slot, block.owner);
      task.slot = slot;
      this.live.set(slot, task);
      // Only the coordinator fills the mailbox and only when empty; the agent empties it with an exchange.
      block.store(C_DIRECT, slot + 1);
      block.ring();
    }
    this.direct = remaining;
  }

  /**
   * True when every agent's current incarnation has failed the task and none is
   * starting or restarting (a new incarnation would be allowed): waiting for an
   * agent would wait forever, e.g. a retryable error in a pool smaller than maxAttempts.
   */
  private noAgentWillEverRun(task: TaskRecord): boolean {
    for (const handle of this.supervisor.handles.values()) {
      if (handle.retiring) continue;
      if (handle.inc?.state !== 'ready' || handle.inc.gone) return false;
      if (!task.failedIncarnations.has(handle.inc.key)) return false;
    }
    return true;
  }

  /** Types became known: check and place what was submitted before the first handshake. */
  placeEarly(reject: (task: TaskRecord) => void): void {
    const early = this.early;
    this.early = [];
    for (const task of early) {
      if (task.settled) continue;
      if (this.typeCode(task.type) < 0) reject(task);
      else this.place(task);
    }
    this.placeDirect();
  }

  /** Release held tasks whose dependencies are all up again, oldest and most urgent first. */
  release(): void {
    const held = this.held.sort((a, b) => a.options.priority - b.options.priority || a.queuedAt - b.queuedAt);
    this.held = [];
    for (const task of held) {
      if (task.settled) continue;
      if (this.dependencyDown(task.type).length > 0) {
        this.held.push(task);
        continue;
      }
      this.events.emit('taskReleased', { taskId: task.id, traceId: task.traceId, type: task.type });
      this.toRing(task);
    }
  }

  /** A dependency went down: pull its queued tasks back out of the rings (agents may win a few). */
  holdQueued(): void {
    for (const [slot, task] of this.live) {
      if (this.slots.get(slot, S_STATE) !== SlotState.QUEUED) continue;
      const down = this.dependencyDown(task.type);
      if (down.length === 0 || !this.queue.reclaim(slot)) continue;
      this.live.delete(slot);
      this.slots.release(slot);
      task.slot = -1;
      task.status = 'held';
      this.held.push(task);
      this.events.emit('taskHeld', { taskId: task.id, traceId: task.traceId, type: task.type, dependencies: down });
    }
  }

  /**
   * Take a waiting task back before any agent runs it (abort, close without
   * drain). False when an agent already has it.
   */
  withdraw(task: TaskRecord): boolean {
    for (const list of [this.held, this.early, this.direct]) {
      const i = list.indexOf(task);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    const slot = task.slot;
    if (slot < 0) return false;
    const state = this.slots.get(slot, S_STATE);
    let taken = false;
    if (state === SlotState.QUEUED) taken = this.queue.reclaim(slot);
    else if (state === SlotState.ASSIGNED) taken = this.takeBackDirect(slot);
    if (!taken) return false;
    this.live.delete(slot);
    this.slots.release(slot);
    task.slot = -1;
    return true;
  }

  private takeBackDirect(slot: number): boolean {
    for (const handle of this.supervisor.handles.values()) {
      const block = handle.inc?.block;
      if (block !== undefined && block.compareExchange(C_DIRECT, slot + 1, 0) === slot + 1) return true;
    }
    return false;
  }
}
