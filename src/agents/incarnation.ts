import { Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { PROTOCOL_VERSION, isAgentMessage, type AgentBoot, type AgentMessage, type CoordinatorMessage } from '../protocol.js';
import type { ControlBlock } from '../ring/control-block.js';
import { C_MAIL, nowMs } from '../ring/layout.js';

const RUNTIME_URL = new URL('../../workers/runtime.js', import.meta.url);

/** Why the coordinator ended an incarnation itself; undefined when it died on its own. */
export type KillReason = 'hung' | 'failed' | 'timeout' | 'cancelled' | 'retired' | 'destroyed';

export interface IncarnationListener {
  onMessage(inc: Incarnation, message: AgentMessage): void;
  onError(inc: Incarnation, error: Error): void;
  onExit(inc: Incarnation, exitCode: number, zombie: boolean): void;
}

/**
 * One life of an agent: a Worker plus the control block it owns. The stable
 * agent id and the generation live on the handle; once `dead`, nothing this
 * incarnation says is applied (a late message from an old generation is dropped).
 */
export class Incarnation {
  readonly worker: Worker;
  readonly spawnedAtMs = nowMs();
  readyAtMs: number | undefined;
  state: 'starting' | 'ready' | 'dying' | 'dead' = 'starting';
  contextId: string | undefined;
  memoryId: string | undefined;
  lastError: Error | undefined;
  killReason: KillReason | undefined;
  killDetail: string | undefined;
  /** Exit seen, recovery under way: it will be replaced unless the pool is stopping or it was retired. */
  gone = false;
  private exitTimer: NodeJS.Timeout | undefined;
  private markExited!: () => void;
  /** Resolves once the incarnation is gone (exit event, or terminate gave up). */
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));

  constructor(
    readonly agentId: number,
    readonly generation: number,
    readonly block: ControlBlock,
    boot: Omit<AgentBoot, 'agentId' | 'generation' | 'block' | 'v'>,
    resourceLimits: ResourceLimits | undefined,
    private readonly listener: IncarnationListener,
  ) {
    block.reset();
    block.heartbeat(this.spawnedAtMs);
    const workerData: AgentBoot = { ...boot, v: PROTOCOL_VERSION, agentId, generation, block: block.index };
    this.worker = new Worker(RUNTIME_URL, { workerData, resourceLimits, stdout: false, stderr: false });
    this.worker.on('message', (raw: unknown) => {
      if (this.state === 'dead') return;
      if (!isAgentMessage(raw)) {
        this.listener.onError(this, new Error(`agent ${agentId} sent a message outside the protocol`));
        return;
      }
      this.listener.onMessage(this, raw);
    });
    this.worker.on('error', (error: Error) => {
      if (this.state === 'dead') return;
      this.lastError = error;
      this.listener.onError(this, error);
    });
    this.worker.on('exit', (code: number) => this.finalize(code, false));
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
    this.block.store(C_MAIL, 1);
    this.block.ring();
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
    this.exitTimer = setTimeout(() => this.finalize(-1, true), graceMs);
    this.exitTimer.unref();
    void this.worker.terminate();
  }

  /** Ask a healthy agent to finish its current task and exit on its own. */
  retire(graceMs: number): void {
    if (this.state === 'dying' || this.state === 'dead') return;
    this.killReason = 'retired';
    this.post({ v: PROTOCOL_VERSION, kind: 'stop' });
    this.exitTimer = setTimeout(() => this.kill('retired', 'did not stop in time', graceMs), graceMs);
    this.exitTimer.unref();
  }

  private finalize(code: number, zombie: boolean): void {
    if (this.state === 'dead') return;
    this.gone = true;
    clearTimeout(this.exitTimer);
    this.listener.onExit(this, code, zombie);
    this.state = 'dead';
    this.worker.removeAllListeners('message');
    this.markExited();
  }
}

type Transferable = ArrayBuffer | MessagePort;
