import type { AgentRegistry } from '../agents/registry.js';
import type { RoleTable } from '../agents/role-table.js';
import type { EventBus } from '../bus.js';
import type { Incarnation } from '../agents/incarnation.js';
import { DataCloneError, TaskFailedError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { PROTOCOL_VERSION } from '../protocol.js';
import type { SharedQueue } from '../ring/shared-queue.js';
import type { SlotTable } from '../ring/slot-table.js';
import type { TaskLedger } from '../tasks/ledger.js';
import { assertStillAttached, messageForm } from '../tasks/payload.js';
import type { Task } from '../tasks/task.js';

export interface PlacementParts {
  bus: EventBus;
  options: ResolvedOptions;
  queue: SharedQueue;
  slots: SlotTable;
  ledger: TaskLedger;
  registry: AgentRegistry;
  roles: RoleTable;
  /** The required dependencies of a type that are down now. */
  dependencyDown: (type: string) => string[];
}

/**
 * Where a waiting task sits, and moving it: the shared priority rings (normal
 * work with its payload in shared memory, taken by agents on their own), `held` (a
 * required dependency is down), `early` (no agent has told us its task types
 * yet) and `direct` (retries that must avoid some agents, and tasks whose
 * payload travels by message: handed to one chosen agent's mailbox).
 * The task's phase and slot are the ledger's; this class asks it to move them.
 */
export class Placement {
  held: Task[] = [];
  early: Task[] = [];
  direct: Task[] = [];
  readonly #p: PlacementParts;
  #wakePending = false;
  #placing = false;
  #wakeType = 'general';
  /** Roles to wake for the burst of pushes in progress. */
  #wakeRoute = 0;
  readonly #waitingFor = (role: number): number => this.#p.queue.waitingFor(role);

  constructor(parts: PlacementParts) {
    this.#p = parts;
  }

  /** Tasks waiting for an agent: what the capacity bound counts (direct retries excepted). */
  waitingCount(): number {
    return this.#p.queue.waitingCount() + this.held.length + this.early.length;
  }

  /** Everything waiting for an agent, direct hand-offs included. */
  depth(): number {
    return this.waitingCount() + this.direct.length;
  }

  /** Tasks in the rings that an agent of `role` may take. */
  waitingFor(role: number): number {
    return this.#p.queue.waitingFor(role);
  }

  /** A new or released task: rings unless it must wait for its roles' types or a dependency. */
  place(task: Task): void {
    const { ledger } = this.#p;
    if (task.route === 0) {
      // Routed at admission unless a role that could take it has not said its types yet.
      ledger.move(task, 'queued');
      this.early.push(task);
      return;
    }
    const down = this.#p.dependencyDown(task.type);
    if (down.length > 0) {
      ledger.move(task, 'held');
      this.held.push(task);
      this.#p.bus.emit('taskHeld', { taskId: task.id, traceId: task.traceId, type: task.type, dependencies: down });
      return;
    }
    this.#toRing(task);
  }

  /** Bytes to keep in shared memory: the payload is encoded and the pool shares payloads with agents. */
  #sharedBytes(task: Task): Uint8Array | undefined {
    const p = task.payload;
    return p.kind !== 'bytes' || this.#p.options.payloadIsolation === 'private' ? undefined : p.bytes;
  }

  /** Writes the slot; true when the payload went into shared memory (in the slot or spilled), false when it must be posted. */
  #write(task: Task, slot: number): boolean {
    return this.#p.slots.write(slot, {
      taskId: task.id,
      typeCode: this.#p.roles.codeOf(task.type),
      priority: task.options.priority,
      attempt: task.attempts.started + 1,
      queuedAtMs: task.queuedAt,
      notifyStart: task.options.timeoutMs !== undefined,
      traceInPayload: task.payload.withTrace,
      payload: this.#sharedBytes(task),
      route: task.route,
    });
  }

  #toRing(task: Task): void {
    let slot = this.#sharedBytes(task) === undefined ? undefined : this.#p.slots.allocate();
    if (slot !== undefined && !this.#write(task, slot)) {
      // Too large for the slot and the spill area is full: by message after all.
      this.#p.slots.release(slot);
      slot = undefined;
    }
    if (slot === undefined) {
      // By message (or every slot is taken, zombie agents can pin some): a direct hand-off.
      this.#p.ledger.move(task, 'queued');
      this.#pushDirect(task);
      this.placeDirect();
      return;
    }
    this.#p.ledger.occupy(task, slot, 'queued');
    this.#p.queue.push(task.options.priority - 1, slot);
    this.#scheduleWake(task.type, task.route);
  }

  /**
   * Wakes sleeping agents once per burst of pushes, not once per push: the
   * check runs in a microtask after the code that submitted, so a loop of a
   * thousand submits costs one pass over the agents and at most one wake-up
   * each. Agents that are awake find the tasks on their own.
   */
  #scheduleWake(type: string, route: number): void {
    this.#wakeType = type;
    this.#wakeRoute |= route;
    if (this.#wakePending) return;
    this.#wakePending = true;
    queueMicrotask(() => {
      this.#wakePending = false;
      const wake = this.#wakeRoute;
      this.#wakeRoute = 0;
      this.#p.registry.wakeFor(this.#wakeType, wake, this.#waitingFor);
    });
  }

  /** Re-queue a task that never started: no attempt spent, no agent excluded. */
  requeue(task: Task): void {
    this.#toRing(task);
  }

  retry(task: Task): void {
    this.#p.ledger.move(task, 'queued');
    this.#pushDirect(task);
    this.placeDirect();
  }

  /** Direct hand-offs wait in priority order, then oldest first: inserted in place, so a pass never sorts. */
  #pushDirect(task: Task): void {
    const list = this.direct;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = list[mid] as Task;
      if (m.options.priority < task.options.priority || (m.options.priority === task.options.priority && m.queuedAt <= task.queuedAt)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, task);
  }

  /**
   * Hand tasks to agents allowed to run them, most urgent first; what cannot be
   * placed now waits for the next pass (a drain, a submit). A pass stops as soon
   * as no agent has an empty mailbox, so a long list of waiting hand-offs costs
   * a pass nothing it cannot use. A settle inside the pass (a payload that
   * cannot be posted) may submit again: that re-entry is left to this loop.
   */
  placeDirect(): void {
    if (this.direct.length === 0 || this.#placing) return;
    const { ledger, registry, slots } = this.#p;
    this.#placing = true;
    try {
      let i = 0;
      while (i < this.direct.length && registry.anyMailboxFree()) {
        const task = this.direct[i] as Task;
        if (task.settled) {
          this.direct.splice(i, 1);
          continue;
        }
        const exclusions = { failedAgentIds: task.attempts.failedAgentIds(), failedIncarnations: task.attempts.failedIncarnations() };
        const inc = registry.chooseFor(task.type, task.route, exclusions, task.payload.kind === 'transfer');
        const slot = inc === undefined ? undefined : slots.allocate();
        if (inc === undefined || slot === undefined) {
          if (inc === undefined && registry.noneWillEverRun(exclusions.failedIncarnations, task.route)) {
            this.direct.splice(i, 1);
            this.#unplaceable(task);
          } else {
            i++;
          }
          continue;
        }
        this.direct.splice(i, 1);
        const inShared = this.#write(task, slot);
        slots.assign(slot, inc.block.owner);
        ledger.occupy(task, slot, 'placed');
        if (!inShared && !this.#sendPayload(task, slot, inc)) continue;
        inc.block.offerDirect(slot);
      }
    } finally {
      this.#placing = false;
    }
  }

  /** Posts the payload ahead of the hand-off, so the agent has it when it takes the slot (no fetch round trip). */
  #sendPayload(task: Task, slot: number, inc: Incarnation): boolean {
    const { value, transfer } = messageForm(task.payload, task.traceId);
    try {
      if (transfer !== undefined) assertStillAttached(transfer);
      inc.postPayload({ v: PROTOCOL_VERSION, kind: 'payload', slot, taskId: task.id, payload: value, bytes: task.payload.kind === 'bytes' }, transfer);
      return true;
    } catch (error) {
      // Only a transfer-list payload can get here (the rest was copied at submit): it changed
      // after submit into something that cannot cross, or one of its buffers was detached.
      // It fails once instead of looping.
      this.#p.ledger.releaseSlot(task);
      this.#fail(task, new DataCloneError('payload', error));
      return false;
    }
  }

  #unplaceable(task: Task): void {
    this.#fail(task, task.attempts.lastError() ?? new Error('no agent may run this task'));
  }

  #fail(task: Task, cause: Error): void {
    this.#p.ledger.settle(task, { ok: false, error: new TaskFailedError(task.id, task.attempts.failures(), cause) }, 'failed');
  }

  /**
   * A role said its types (or went down): route and place what was submitted
   * before; a task no role will ever take is handed to `reject` with the
   * error its submit would have thrown.
   */
  placeEarly(reject: (task: Task, error: Error) => void): void {
    const early = this.early;
    this.early = [];
    const { roles } = this.#p;
    for (const task of early) {
      if (task.settled) continue;
      const route = roles.route(task.options);
      if (route.kind === 'wait') {
        this.early.push(task);
        continue;
      }
      const refused = roles.refusal(route, task.options);
      if (refused !== undefined || route.kind !== 'roles') {
        reject(task, refused ?? new Error('no role may run this task'));
        continue;
      }
      task.route = route.mask;
      this.place(task);
    }
    this.placeDirect();
  }

  /** Release held tasks whose dependencies are all up again, oldest and most urgent first. */
  release(): void {
    const held = this.held.sort((a, b) => a.options.priority - b.options.priority || a.queuedAt - b.queuedAt);
    this.held = [];
    for (const task of held) {
      if (task.settled) continue;
      if (this.#p.dependencyDown(task.type).length > 0) {
        this.held.push(task);
        continue;
      }
      this.#p.bus.emit('taskReleased', { taskId: task.id, traceId: task.traceId, type: task.type });
      this.#toRing(task);
    }
  }

  /** A dependency went down: pull its queued tasks back out of the rings (agents may win a few). */
  holdQueued(): void {
    const { ledger, slots, queue } = this.#p;
    for (const [slot, task] of [...ledger.occupied()]) {
      if (slots.phase(slot) !== 'queued') continue;
      const down = this.#p.dependencyDown(task.type);
      if (down.length === 0 || !queue.reclaim(slot)) continue;
      ledger.releaseSlot(task);
      ledger.move(task, 'held');
      this.held.push(task);
      this.#p.bus.emit('taskHeld', { taskId: task.id, traceId: task.traceId, type: task.type, dependencies: down });
    }
  }

  /**
   * Take a waiting task back before any agent runs it (abort, close without
   * drain, a degraded pool). False when an agent already has it.
   */
  withdraw(task: Task): boolean {
    for (const list of [this.held, this.early, this.direct]) {
      const i = list.indexOf(task);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    const slot = task.slot;
    if (slot === undefined) return false;
    const phase = this.#p.slots.phase(slot);
    let taken = false;
    if (phase === 'queued') taken = this.#p.queue.reclaim(slot);
    else if (phase === 'assigned') taken = this.#p.registry.withdrawDirect(slot);
    if (!taken) return false;
    this.#p.ledger.releaseSlot(task);
    return true;
  }
}
