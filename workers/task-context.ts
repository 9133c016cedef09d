import type { MessagePort } from 'node:worker_threads';
import { parentPort } from 'node:worker_threads';
import { PROTOCOL_VERSION, type AgentMessage, type LogLevel } from '../src/protocol.js';
import type { AgentLog, SetupContext, TaskContext } from './agent.js';

export function post(message: AgentMessage, transfer?: readonly (ArrayBuffer | MessagePort)[]): void {
  parentPort?.postMessage(message, transfer as (ArrayBuffer | MessagePort)[] | undefined);
}

export function makeLog(bindings: Record<string, unknown>): AgentLog {
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) =>
    post({ v: PROTOCOL_VERSION, kind: 'log', level, msg: String(msg), fields: { ...fields, ...bindings } });
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/**
 * The `ctx` a handler receives. The AbortController is made on first use of
 * `signal` (or on cancel): most handlers never look, and the hot path stays lean.
 */
export class RunningTaskContext implements TaskContext {
  readonly agentId: number;
  readonly generation: number;
  readonly contextId: string;
  readonly memory: Map<unknown, unknown>;
  readonly workerData: unknown;
  private controller: AbortController | undefined;
  private logger: AgentLog | undefined;

  constructor(
    base: SetupContext,
    readonly taskId: number,
    readonly traceId: string,
    readonly type: string,
    readonly attempt: number,
    private readonly beat: () => void,
  ) {
    this.agentId = base.agentId;
    this.generation = base.generation;
    this.contextId = base.contextId;
    this.memory = base.memory;
    this.workerData = base.workerData;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  get log(): AgentLog {
    this.logger ??= makeLog({ agentId: this.agentId, taskId: this.taskId, traceId: this.traceId, type: this.type, attempt: this.attempt });
    return this.logger;
  }

  heartbeat(): void {
    this.beat();
  }

  abort(reason: unknown): void {
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }
}
