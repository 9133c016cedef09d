import type { ScheduleFiredEvent, ScheduleRejectedEvent, ScheduleSkippedEvent } from './schedules/types.js';
import type { Alert, MetricsWindow } from './types.js';

/** Every event the pool emits; payloads are plain objects, safe to log. */
export const PoolEvents = Object.freeze({
  taskQueued: 'taskQueued',
  taskStarted: 'taskStarted',
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
  agentAbandoned: 'agentAbandoned',
  dependencyDown: 'dependencyDown',
  dependencyUp: 'dependencyUp',
  degraded: 'degraded',
  recovered: 'recovered',
  drained: 'drained',
  alert: 'alert',
  metricsReset: 'metricsReset',
  scheduleFired: 'scheduleFired',
  scheduleSkipped: 'scheduleSkipped',
  scheduleRejected: 'scheduleRejected',
  flowCompleted: 'flowCompleted',
  flowFailed: 'flowFailed',
} as const);

/**
 * A task's routine steps: built only when someone listens (a listener, or a
 * logger, which logs them at debug). The journal does not keep them: at tens of
 * thousands a second they would push everything else out of it within
 * milliseconds, and keeping their payloads alive costs the hot path GC time.
 */
export const TRACE_EVENTS: ReadonlySet<string> = new Set([PoolEvents.taskQueued, PoolEvents.taskStarted, PoolEvents.taskCompleted]);

interface TaskRef {
  taskId: number;
  traceId: string;
  type: string;
}

interface AgentRef {
  agentId: number;
  generation: number;
  /** The agent's role ('default' in a pool of one `agent`). */
  role: string;
}

export interface PoolEventMap {
  taskQueued: TaskRef & { priority: number; parentId?: number };
  taskStarted: TaskRef & { agentId: number; attempt: number; startedAt: number; assignmentLatencyMs: number };
  taskCompleted: TaskRef & { agentId: number; attempt: number; runMs: number; assignmentLatencyMs: number };
  taskFailed: TaskRef & { agentId: number | undefined; attempt: number; error: Error; attempts: number };
  taskCancelled: TaskRef & { reason: unknown };
  /** agentId (= fromAgentId) is the agent the failed try ran on; attempt is the try about to start. */
  taskRetried: TaskRef & { agentId: number; attempt: number; fromAgentId: number; error: Error };
  taskHeld: TaskRef & { dependencies: string[] };
  taskReleased: TaskRef;
  agentSpawned: AgentRef & { threadId: number };
  agentReady: AgentRef & { threadId: number; contextId: string; startMs: number };
  agentExited: AgentRef & { exitCode: number; reason: string };
  agentError: AgentRef & { error: Error };
  agentRestarted: AgentRef & { restartMs: number };
  agentHung: AgentRef & { silentMs: number; taskId: number | undefined; traceId: string | undefined };
  /** Past the `restart` limit: `restarts` within the last `windowMs`; `error` is why its last incarnation died. */
  agentAbandoned: AgentRef & { restarts: number; windowMs: number; error: Error };
  dependencyDown: { name: string; error: Error | undefined };
  dependencyUp: { name: string };
  degraded: { consecutiveStartFailures: number; error: Error | undefined };
  recovered: Record<string, never>;
  drained: Record<string, never>;
  alert: Alert;
  metricsReset: { previousWindow: MetricsWindow };
  scheduleFired: ScheduleFiredEvent;
  scheduleSkipped: ScheduleSkippedEvent;
  scheduleRejected: ScheduleRejectedEvent;
  /** Every node of the flow completed. */
  flowCompleted: { flowId: number; traceId: string; nodes: number };
  /** The flow ended without completing: `state` 'failed' (nodes failed for good, and their dependents blocked) or 'cancelled' (its signal aborted). */
  flowFailed: { flowId: number; traceId: string; state: 'failed' | 'cancelled'; failed: string[]; blocked: string[]; cancelled: string[]; error: Error };
}

export type PoolEventName = keyof PoolEventMap;
