import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { AgentCrashedError, AgentInitError, AllAgentsAbandonedError, InvalidOptionError, PoolDegradedError, PoolFullError, StartTimeoutError, fromWireError } from '../errors.js';
import { PROTOCOL_VERSION } from '../protocol.js';
import type { RoleTable } from './role-table.js';
import type { ResolvedOptions } from '../options.js';
import type { AgentMessage } from '../protocol.js';
import { ControlBlock } from '../ring/control-block.js';
import { completionBudget, completionShare } from '../ring/region.js';
import type { SharedQueue } from '../ring/shared-queue.js';
import { DEGRADED_AFTER_START_FAILURES, restartDelayMs } from '../scheduling/retry.js';
import { AgentHandle } from './handle.js';
import { Incarnation, type IncarnationListener, type KillReason } from './incarnation.js';
import type { AgentRegistry } from './registry.js';
import { decideRestart } from './restart-policy.js';
import { chooseRetirees } from '../scheduling/resize.js';

/** What the supervisor tells the task side about; the task side owns tasks, the supervisor owns threads. */
export interface AgentLifecycle {
  onReady(handle: AgentHandle, types: string[]): void;
  onMessage(handle: AgentHandle, inc: Incarnation, message: AgentMessage): void;
  /** The incarnation is gone: recover its tasks before a replacement starts. */
  onGone(handle: AgentHandle, inc: Incarnation, exitCode: number, zombie: boolean): void;
  /** No agent can start: every task still waiting for one is rejected. */
  onDegraded(error: PoolDegradedError): void;
  /** Every agent was abandoned: every task still waiting for one is rejected. */
  onNoAgents(error: AllAgentsAbandonedError): void;
  /** A role can take no work (every agent of it abandoned, or none can start): what only it could run is rejected. */
  onRoleDown(role: number, error: Error): void;
}

export interface SupervisorParts {
  bus: EventBus;
  clock: Clock;
  options: ResolvedOptions;
  queue: SharedQueue;
  registry: AgentRegistry;
  roles: RoleTable;
  lifecycle: AgentLifecycle;
}

/**
 * Keeps the pool's agents alive: spawns incarnations onto free control blocks,
 * replaces dead ones (immediately the first time, with backoff in a crash loop),
 * grows and shrinks, bounds start-up with startTimeoutMs, and notices when no
 * agent can start at all (degraded). With a restart policy, an agent that dies
 * too often is abandoned instead of restarted (restart-policy.ts decides).
 */
export class Supervisor implements IncarnationListener {
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #options: ResolvedOptions;
  readonly #queue: SharedQueue;
  readonly #registry: AgentRegistry;
  readonly #roles: RoleTable;
  readonly #lifecycle: AgentLifecycle;
  readonly #freeBlocks: number[] = [];
  readonly #completionBudget: number;
  /** Agents to start as soon as a control block is free (retiring agents still finishing a task hold theirs). */
  readonly #waitingForBlock: AgentHandle[] = [];
  #nextAgentId = 1;
  #startFailures = 0;
  /** Consecutive start failures per role (pools with several roles). */
  readonly #roleStartFailures: number[];
  degradedError: PoolDegradedError | undefined;
  /** Set while every agent that stays has been abandoned; cleared when one is added. */
  allAbandonedError: AllAgentsAbandonedError | undefined;
  stopping = false;

  constructor(parts: SupervisorParts) {
    this.#bus = parts.bus;
    this.#clock = parts.clock;
    this.#options = parts.options;
    this.#queue = parts.queue;
    this.#registry = parts.registry;
    this.#roles = parts.roles;
    this.#roleStartFailures = parts.roles.roles.map(() => 0);
    this.#lifecycle = parts.lifecycle;
    for (let b = this.#queue.layout.blocks - 1; b >= 0; b--) this.#freeBlocks.push(b);
    this.#completionBudget = completionBudget(parts.options.maxSize, parts.options.inlinePayloadBytes);
  }

  /** The index of a role by name; InvalidOptionError naming the pool's roles for any other. */
  roleIndex(name: string | undefined): number {
    if (name === undefined) return 0;
    const role = this.#roles.byName(name);
    if (role === undefined) throw new InvalidOptionError('role', `one of the pool's roles (${this.#roles.roles.map((r) => r.name).join(', ')})`, name);
    return role.index;
  }

  addAgent(role = 0): AgentHandle {
    // Retiring agents still finishing a task do not count: they are on their way out.
    if (this.#registry.staying >= this.#options.maxSize) throw new PoolFullError(this.#options.maxSize);
    const roleMax = this.#roles.roles[role]?.maxSize ?? this.#options.maxSize;
    if (this.#registry.stayingHandles(role).length >= roleMax) throw new PoolFullError(roleMax);
    const handle = new AgentHandle(this.#nextAgentId++, role);
    this.#registry.add(handle);
    // Capacity is coming back: submits wait for this agent instead of being refused.
    this.allAbandonedError = undefined;
    if (this.#roles.downError(role) instanceof AllAgentsAbandonedError) this.#roles.setDown(role, undefined);
    this.#start(handle);
    return handle;
  }

  #start(handle: AgentHandle): void {
    handle.restartTimer = undefined;
    if (handle.retiring || this.#registry.get(handle.agentId) !== handle || this.stopping) return;
    const block = this.#freeBlocks.pop();
    if (block === undefined) {
      // Every block is held: retiring agents finishing their task, zombies. This agent
      // starts when one exits (a grow right after a shrink waits for the shrink).
      if (!this.#waitingForBlock.includes(handle)) this.#waitingForBlock.push(handle);
      return;
    }
    handle.generation++;
    const o = this.#options;
    const q = this.#queue;
    const role = o.roles[handle.role];
    if (role === undefined) throw new RangeError(`agent ${handle.agentId} has no role ${handle.role}`);
    const inc = new Incarnation({
      agentId: handle.agentId,
      generation: handle.generation,
      role: handle.role,
      block: new ControlBlock(q.words, q.times, q.layout, block),
      boot: {
        agentUrl: role.agentUrl.href,
        region: q.regionFor(o.payloadIsolation),
        agingIntervalMs: o.agingIntervalMs,
        heartbeatIntervalMs: o.heartbeatIntervalMs,
        idleSpinUs: o.idleSpinUs,
        idleWait: o.idleWait,
        userData: role.workerData,
        tracePrefix: o.tracePrefix,
        payloads: o.payloadIsolation,
        routed: this.#roles.routed,
        // Known once the role has said its types: a restarted agent need not wait for them.
        typeCodes: this.#roles.typesOf(handle.role) === undefined ? undefined : [...this.#roles.typeCodes],
      },
      resourceLimits: role.resourceLimits,
      listener: this,
      clock: this.#clock,
    });
    handle.inc = inc;
    this.#shareCompletions();
    // A setup() that never settles must not leave ready() pending forever.
    inc.startTimer = this.#clock.setTimeout(() => {
      if (inc.state !== 'starting' || inc.block.hasStarted()) return;
      inc.lastError = new AgentInitError(new StartTimeoutError(o.startTimeoutMs));
      inc.kill('start-timeout', undefined, 2_000);
    }, o.startTimeoutMs);
    // Deferred: agents started by the constructor would otherwise report before anyone can listen.
    const spawned = { agentId: handle.agentId, generation: handle.generation, role: role.name, threadId: inc.threadId };
    queueMicrotask(() => this.#bus.emit('agentSpawned', spawned));
  }

  /**
   * Splits the completion budget between the blocks in use (zombies included:
   * they may still hold slots). Fewer agents than maxSize each get more room,
   * so they sleep less often on a main thread that is slow to drain. A share
   * lowered below what an agent holds undrained only stops its claims until
   * the next drain.
   */
  #shareCompletions(): void {
    const share = completionShare(this.#completionBudget, this.#queue.layout.blocks - this.#freeBlocks.length);
    for (const handle of this.#registry.all()) handle.inc?.block.setCompletionLimit(share);
  }

  onMessage(inc: Incarnation, message: AgentMessage): void {
    const handle = this.#registry.isCurrent(inc);
    if (handle === undefined) return;
    if (message.kind === 'ready') {
      if (inc.state !== 'starting') return;
      inc.state = 'ready';
      this.#clock.clear(inc.startTimer);
      inc.readyAtMs = this.#clock.nowMs();
      inc.contextId = message.contextId;
      inc.memoryId = message.memoryId;
      this.#startFailures = 0;
      this.#roleStartFailures[handle.role] = 0;
      this.#roles.register(handle.role, message.types);
      if (this.#roles.downError(handle.role) instanceof PoolDegradedError) this.#roles.setDown(handle.role, undefined);
      // Posted before any task can be handed to it: messages arrive in order, and the agent claims only once it has the table.
      if (inc.needsTypes) inc.post({ v: PROTOCOL_VERSION, kind: 'types', codes: [...this.#roles.typeCodes] });
      if (this.degradedError !== undefined) {
        this.degradedError = undefined;
        this.#bus.emit('recovered', {});
      }
      const startMs = inc.readyAtMs - inc.spawnedAtMs;
      const role = this.#registry.roleName(handle);
      this.#bus.emit('agentReady', { agentId: handle.agentId, generation: handle.generation, role, threadId: inc.threadId, contextId: message.contextId, startMs });
      if (handle.generation > 1) this.#bus.emit('agentRestarted', { agentId: handle.agentId, generation: handle.generation, role, restartMs: startMs });
      this.#lifecycle.onReady(handle, message.types);
      handle.settleReady();
      return;
    }
    if (message.kind === 'initError') {
      inc.lastError = new AgentInitError(fromWireError(message.error));
      return;
    }
    this.#lifecycle.onMessage(handle, inc, message);
  }

  onError(inc: Incarnation, error: Error): void {
    this.#bus.emit('agentError', { agentId: inc.agentId, generation: inc.generation, role: this.#roles.nameOf(inc.role), error });
  }

  onExit(inc: Incarnation, exitCode: number, zombie: boolean): void {
    const handle = this.#registry.isCurrent(inc);
    this.#clock.clear(inc.startTimer);
    // 'ready' may still be in flight when a fresh agent dies of its first task: the
    // agent leaves STARTING in shared memory right after posting it, so that decides.
    // (A start-up timeout kills it first, so 'never became ready' is the test, not the state.)
    const startFailed = inc.readyAtMs === undefined && !inc.block.hasStarted();
    const reason = inc.killReason ?? (startFailed ? 'start-failed' : 'crashed');
    this.#bus.emit('agentExited', { agentId: inc.agentId, generation: inc.generation, role: this.#roles.nameOf(inc.role), exitCode, reason });
    if (handle === undefined) return;
    this.#lifecycle.onGone(handle, inc, exitCode, zombie);
    // A zombie may still touch its block; never hand that block out again.
    if (!zombie) this.#freeBlocks.push(inc.block.index);
    handle.inc = undefined;
    this.#shareCompletions();
    const next = this.#waitingForBlock.shift();
    if (next !== undefined) this.#start(next);
    // An agent that exits during start-up without saying why (process.exit in setup) still says how.
    if (startFailed) this.#noteStartFailure(handle.role, inc.lastError ?? new AgentInitError(exitError(exitCode)));
    if (this.stopping || handle.retiring) {
      this.#registry.remove(handle);
      handle.settleReady(this.degradedError ?? new Error(`agent ${handle.agentId} stopped`));
      return;
    }
    if (inc.killReason === undefined || inc.killReason === 'hung' || inc.killReason === 'failed' || inc.killReason === 'protocol' || inc.killReason === 'start-timeout') {
      handle.consecutiveFailures++;
    }
    const policy = this.#options.roles[handle.role]?.restart ?? this.#options.restart;
    const nowMs = this.#clock.nowMs();
    const decision = decideRestart(handle.restartTimesMs, policy, nowMs);
    if (decision.action === 'abandon') {
      this.#abandon(handle, inc, exitCode, decision.recentRestartsMs.length);
      return;
    }
    // A restart counts from the exit that caused it, not from when its backoff ends.
    handle.restartTimesMs = policy === undefined ? [] : [...decision.recentRestartsMs, nowMs];
    handle.restarts++;
    const delayMs = restartDelayMs(handle.consecutiveFailures);
    if (delayMs === 0) this.#start(handle);
    else handle.restartTimer = this.#clock.setTimeout(() => this.#start(handle), delayMs);
  }

  #noteStartFailure(role: number, error: Error): void {
    this.#startFailures++;
    const roleFailures = (this.#roleStartFailures[role] = (this.#roleStartFailures[role] ?? 0) + 1);
    // One role that cannot start, in a pool whose other roles run: only that role's work is refused.
    if (this.#roles.routed && roleFailures >= DEGRADED_AFTER_START_FAILURES && this.#roles.downError(role) === undefined && !this.#registry.stayingHandles(role).some((h) => h.ready)) {
      const down = new PoolDegradedError(roleFailures, error);
      this.#roles.setDown(role, down);
      this.#lifecycle.onRoleDown(role, down);
    }
    const anyReady = this.#registry.all().some((h) => h.ready);
    if (this.#startFailures >= DEGRADED_AFTER_START_FAILURES && !anyReady && this.degradedError === undefined) {
      const degraded = (this.degradedError = new PoolDegradedError(this.#startFailures, error));
      this.#bus.emit('degraded', { consecutiveStartFailures: this.#startFailures, error });
      for (const h of this.#registry.all()) h.settleReady(degraded);
      this.#lifecycle.onDegraded(degraded);
    }
  }

  /** Past the restart limit: never started again; with none left, waiting tasks and new submits are refused. */
  #abandon(handle: AgentHandle, inc: Incarnation, exitCode: number, restarts: number): void {
    const cause = inc.killReason === undefined ? undefined : new Error(`terminated by the pool: ${inc.killReason}${inc.killDetail === undefined ? '' : ` (${inc.killDetail})`}`);
    const error = inc.lastError ?? new AgentCrashedError(handle.agentId, exitCode, cause);
    handle.abandoned = error;
    handle.restartTimesMs = [];
    const policy = this.#options.roles[handle.role]?.restart ?? this.#options.restart;
    this.#bus.emit('agentAbandoned', { agentId: handle.agentId, generation: handle.generation, role: this.#registry.roleName(handle), restarts, windowMs: policy?.windowMs ?? 0, error });
    handle.settleReady(error);
    if (this.#roles.routed && this.#registry.stayingHandles(handle.role).length === 0) {
      const ids = this.#registry.all().flatMap((h) => (h.role === handle.role && h.abandoned !== undefined ? [h.agentId] : []));
      const roleDown = new AllAgentsAbandonedError(ids, error);
      this.#roles.setDown(handle.role, roleDown);
      this.#lifecycle.onRoleDown(handle.role, roleDown);
    }
    if (this.#registry.staying > 0 || this.allAbandonedError !== undefined) return;
    const abandonedIds = this.#registry.all().flatMap((h) => (h.abandoned === undefined ? [] : [h.agentId]));
    const none = (this.allAbandonedError = new AllAgentsAbandonedError(abandonedIds, error));
    this.#lifecycle.onNoAgents(none);
  }

  /**
   * Grow, or shrink by retiring agents (idle ones first), to `size` agents of
   * `role`; a retiring agent finishes its task first. Only agents that stay
   * count, so calls made one after another, awaited or not, end at the size
   * asked last. Resolves once the new agents are ready and the retired ones gone.
   */
  async resize(size: number, role: number): Promise<void> {
    const others = this.#registry.staying - this.#registry.stayingHandles(role).length;
    const max = Math.min(this.#options.roles[role]?.maxSize ?? this.#options.maxSize, this.#options.maxSize - others);
    if (!Number.isInteger(size) || size < 1 || size > max) throw new InvalidOptionError('size', `an integer from 1 to ${max}`, size);
    const waits: Promise<void>[] = [];
    while (this.#registry.stayingHandles(role).length < size) {
      const added = this.addAgent(role);
      // A later resize may retire it before it is ready: that is not this call's failure.
      waits.push(added.whenReady().catch((error: unknown) => {
        if (!added.retiring) throw error;
      }));
    }
    // Abandoned agents are not counted: growing adds new agents with new ids in their place.
    const staying = this.#registry.stayingHandles(role);
    const victims = chooseRetirees(
      staying.map((h) => ({ agentId: h.agentId, busy: this.#registry.isBusy(h) })),
      staying.length - size,
    );
    for (const agentId of victims) {
      const h = this.#registry.get(agentId);
      if (h === undefined) continue;
      const exited = h.inc?.exited;
      this.retire(h);
      if (exited) waits.push(exited);
    }
    await Promise.all(waits);
  }

  kill(handle: AgentHandle, reason: KillReason, detail?: string): void {
    handle.inc?.kill(reason, detail, 2_000);
  }

  /** Shrink: the agent finishes its current task, then exits; it is not replaced. */
  retire(handle: AgentHandle): void {
    handle.retiring = true;
    this.#clock.clear(handle.restartTimer);
    const waiting = this.#waitingForBlock.indexOf(handle);
    if (waiting >= 0) this.#waitingForBlock.splice(waiting, 1);
    if (handle.inc === undefined) {
      this.#registry.remove(handle);
      handle.settleReady(new Error(`agent ${handle.agentId} stopped`));
      return;
    }
    handle.inc.block.requestRetire();
    handle.inc.retire(this.#options.cancelGraceMs + 5_000);
  }

  clearTimers(): void {
    for (const h of this.#registry.all()) this.#clock.clear(h.restartTimer);
  }
}

function exitError(exitCode: number): Error {
  return Object.assign(new Error(`the agent exited with code ${exitCode} during start-up`), { exitCode });
}
