import { Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../clock.js';
import { PROTOCOL_VERSION, type AgentBoot, type AgentMessage, type CoordinatorMessage } from '../protocol.js';
import { checkAgentMessage } from '../protocol-check.js';
import type { ControlBlock } from '../ring/control-block.js';

const RUNTIME_URL = new URL('../../workers/runtime.js', import.meta.url);

/** Why the coordinator ended an incarnation itself; undefined when it died on its own. */
export type KillReason = 'hung' | 'failed' | 'timeout' | 'cancelled' | 'retired' | 'destroyed' | 'protocol' | 'start-timeout';

export interface IncarnationListener {
  onMessage(inc: Incarnation, message: AgentMessage): void;
  onError(inc: Incarnation, error: Error): void;
  onExit(inc: Incarnation, exitCode: number, zombie: boolean): void;
}

export interface IncarnationParts {
  agentId: number;
  generation: number;
  role: number;
  block: ControlBlock;
  boot: Omit<AgentBoot, 'agentId' | 'generation' | 'block' | 'v' | 'role'>;
  resourceLimits: ResourceLimits | undefined;
  listener: IncarnationListener;
  clock: Clock;
}

/**
 * One life of an agent: a Worker plus the control block it owns. The stable
 * agent id and the generation live on the handle; once `dead`, nothing this
 * incarnation says is applied (a late message from an old generation is dropped).
 * Every message is checked against the protocol before anyone sees it: one
 * that does not fit terminates the agent as failed (kill reason 'protocol').
 */
export class Incarnation {
  readonly agentId: number;
  readonly generation: number;
  readonly role: number;
  readonly block: ControlBlock;
  /** Booted without the type-code table: it is posted once the agent's 'ready' is handled. */
  readonly needsTypes: boolean;
  readonly worker: Worker;
  readonly spawnedAtMs: number;
  readyAtMs: number | undefined;
  state: 'starting' | 'ready' | 'dying' | 'dead' = 'starting';
  contextId: string | undefined;
  memoryId: string | undefined;
  lastError: Error | undefined;
  killReason: KillReason | undefined;
  killDetail: string | undefined;
  /** Bounds start-up (startTimeoutMs); set and cleared by the supervisor. */
  startTimer: TimerHandle | undefined;
  /** Exit seen, recovery under way: it will be replaced unless the pool is stopping or it was retired. */
  gone = false;
  readonly #listener: IncarnationListener;
  readonly #clock: Clock;
  #exitTimer: TimerHandle | undefined;
  #markExited!: () => void;
  /** Resolves once the incarnation is gone (exit event, or terminate gave up). */
  readonly exited = new Promise<void>((resolve) => (this.#markExited = resolve));

  constructor(parts: IncarnationParts) {
    this.agentId = parts.agentId;
    this.generation = parts.generation;
    this.role = parts.role;
    this.needsTypes = parts.boot.typeCodes === undefined;
    this.block = parts.block;
    this.#listener = parts.listener;
    this.#clock = parts.clock;
    this.spawnedAtMs = this.#clock.nowMs();
    this.block.reset();
    this.block.setRole(this.role);
    this.block.heartbeat(this.spawnedAtMs);
    const workerData: AgentBoot = { ...parts.boot, v: PROTOCOL_VERSION, agentId: this.agentId, generation: this.generation, block: this.block.index, role: this.role };
    this.worker = new Worker(RUNTIME_URL, { workerData, resourceLimits: parts.resourceLimits, stdout: false, stderr: false });
    this.worker.on('message', (raw: unknown) => this.#onMessage(raw));
    this.worker.on('error', (error: Error) => {
      if (this.state === 'dead') return;
      this.lastError = error;
      this.#listener.onError(this, error);
    });
    this.worker.on('exit', (code: number) => this.#finalize(code, false));
  }

  #onMessage(raw: unknown): void {
    // A dying agent's last words still count (a result that beat its deadline), unless it was cut off for lying.
    if (this.state === 'dead' || this.killReason === 'protocol') return;
    const problem = checkAgentMessage(raw, this.state === 'starting');
    if (problem !== undefined) {
      this.violation(problem);
      return;
    }
    this.#listener.onMessage(this, raw as AgentMessage);
  }

  /**
   * The agent broke the protocol (a malformed message, a slot it does not own,
   * bytes that do not decode): it cannot be trusted with more work. It is
   * terminated as failed; its task fails over like after a crash.
   */
  violation(detail: string): void {
    if (this.state === 'dying' || this.state === 'dead') return;
    this.lastError = new ProtocolViolation(this.agentId, detail);
    this.#listener.onError(this, this.lastError);
    this.kill('protocol', detail, 2_000);
  }

  /**
   * May be handed work. An incarnation whose exit is being handled is still
   * 'ready' until its listener returns, and its tasks are placed again from
   * there: they must not come back to it.
   */
  get acceptsWork(): boolean {
    return this.state === 'ready' && !this.gone;
  }

  get key(): string {
    return `${this.agentId}:${this.generation}`;
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  /** Messages are macrotasks in the agent: flag the mail so a busy agent yields for it soon. */
  post(message: CoordinatorMessage, transfer?: readonly Transferable[]): void {
    this.worker.postMessage(message, transfer as Transferable[] | undefined);
    this.block.flagMail();
  }

  /**
   * A task's payload, posted just before its hand-off: no mail flag, because
   * the agent waits for this message on its event loop when it takes the slot,
   * and the hand-off wakes it if it sleeps. Flagging it too would wake a
   * sleeping agent twice per task.
   */
  postPayload(message: CoordinatorMessage & { kind: 'payload' }, transfer: readonly Transferable[] | undefined): void {
    this.worker.postMessage(message, transfer as Transferable[] | undefined);
  }

  /**
   * terminate() stops even a busy loop within milliseconds, but can hang in rare
   * cases: after `graceMs` the incarnation is treated as gone (a zombie whose
   * block and slots are never reused).
   */
  kill(reason: KillReason, detail: string | undefined, graceMs: number): void {
    if (this.state === 'dying' || this.state === 'dead') return;
    this.state = 'dying';
    this.killReason = reason;
    this.killDetail = detail;
    this.#clock.clear(this.#exitTimer);
    this.#exitTimer = this.#clock.setTimeout(() => this.#finalize(-1, true), graceMs);
    void this.worker.terminate();
  }

  /** Ask a healthy agent to finish its current task and exit on its own. */
  retire(graceMs: number): void {
    if (this.state === 'dying' || this.state === 'dead') return;
    this.killReason = 'retired';
    this.post({ v: PROTOCOL_VERSION, kind: 'stop' });
    this.#exitTimer = this.#clock.setTimeout(() => this.kill('retired', 'did not stop in time', graceMs), graceMs);
  }

  #finalize(code: number, zombie: boolean): void {
    if (this.state === 'dead') return;
    this.gone = true;
    this.#clock.clear(this.#exitTimer);
    this.#listener.onExit(this, code, zombie);
    this.state = 'dead';
    this.worker.removeAllListeners('message');
    this.#markExited();
  }
}

/** How a protocol violation reads in an agent failure's cause. */
export class ProtocolViolation extends Error {
  readonly code = 'ERR_PROTOCOL_VIOLATION';
  constructor(readonly agentId: number, detail: string) {
    super(`agent ${agentId} broke the protocol: ${detail}`);
    this.name = 'ProtocolViolation';
  }
}

type Transferable = ArrayBuffer | MessagePort;
