import { EventEmitter } from 'node:events';

/** Every event the pool emits; payloads are plain objects, safe to log. */
export const PoolEvents = Object.freeze({
  taskCompleted: 'taskCompleted',
  taskFailed: 'taskFailed',
  taskCancelled: 'taskCancelled',
  taskRetried: 'taskRetried',
  taskHeld: 'taskHeld',
  taskReleased: 'taskReleased',
  agentSpawned: 'agentSpawned',
  agentReady: 'agentReady',
  agentExited: 'agentExited',
  agentError: 'agentError',
  agentRestarted: 'agentRestarted',
  agentHung: 'agentHung',
  dependencyDown: 'dependencyDown',
  dependencyUp: 'dependencyUp',
  degraded: 'degraded',
  recovered: 'recovered',
  drained: 'drained',
} as const);

interface TaskRef {
  taskId: number;
  traceId: string;
  type: string;
}

interface AgentRef {
  agentId: number;
  generation: number;
}

export interface PoolEventMap {
  taskCompleted: TaskRef & { agentId: number; attempt: number; runMs: number; assignmentLatencyMs: number };
  taskFailed: TaskRef & { error: Error; attempts: number };
  taskCancelled: TaskRef & { reason: unknown };
  taskRetried: TaskRef & { attempt: number; fromAgentId: number; error: Error };
  taskHeld: TaskRef & { dependencies: string[] };
  taskReleased: TaskRef;
  agentSpawned: AgentRef & { threadId: number };
  agentReady: AgentRef & { threadId: number; contextId: string; startMs: number };
  agentExited: AgentRef & { exitCode: number; reason: string };
  agentError: AgentRef & { error: Error };
  agentRestarted: AgentRef & { restartMs: number };
  agentHung: AgentRef & { silentMs: number; taskId: number | undefined };
  dependencyDown: { name: string; error: Error | undefined };
  dependencyUp: { name: string };
  degraded: { consecutiveStartFailures: number; error: Error | undefined };
  recovered: Record<string, never>;
  drained: Record<string, never>;
}

export type PoolEventName = keyof PoolEventMap;

/** EventEmitter whose `on`/`once`/`emit` are checked against PoolEventMap. */
export class TypedEmitter extends EventEmitter {
  override on<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): this {
    return super.on(name, listener);
  }

  override once<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): this {
    return super.once(name, listener);
  }

  override off<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): this {
    return super.off(name, listener);
  }

  override emit<K extends PoolEventName>(name: K, payload: PoolEventMap[K]): boolean {
    return super.emit(name, payload);
  }
}
