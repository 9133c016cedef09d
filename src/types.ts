import type { MessagePort } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import type { AttemptRecord } from './errors.js';

/** The built-in task types. Agents may handle any subset plus their own names. */
export const TaskType = Object.freeze({
  discovery: 'discovery',
  migration: 'migration',
  heartbeat: 'heartbeat',
  ingest: 'ingest',
  research: 'research',
  general: 'general',
} as const);
export type BuiltInTaskType = (typeof TaskType)[keyof typeof TaskType];

/** pino-compatible subset; the default logger is silent. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: object): Logger;
}

export interface DependencyCheck {
  /** Resolves (or returns) true when the dependency is up. A throw counts as down. */
  check: () => boolean | Promise<boolean>;
  intervalMs?: number;
}

export interface PoolOptions {
  /** Module whose default export is `defineAgent(...)`. */
  agent: URL | string;
  size?: number;
  maxSize?: number;
  queueCapacity?: number;
  maxAttempts?: number;
  taskTimeoutMs?: number;
  hangTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** After abort or timeout, how long a running handler may take to stop before its agent is terminated. */
  cancelGraceMs?: number;
  /** Waiting this long raises a task's effective priority by one step. */
  agingIntervalMs?: number;
  /** Payloads and results up to this many serialized bytes travel inside the shared ring. */
  inlinePayloadBytes?: number;
  resourceLimits?: ResourceLimits;
  dependencies?: Record<string, DependencyCheck>;
  requires?: Record<string, readonly string[]>;
  logger?: Logger;
  /** Passed to every agent as `ctx.workerData`. Must be cloneable. */
  workerData?: unknown;
}

export interface TaskOptions {
  type?: string;
  priority?: number;
  traceId?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** false: never re-run once started (at-most-once after start). Default true. */
  idempotent?: boolean;
  /** Transferred to the agent (payload travels beside the ring, not inside it). */
  transfer?: readonly Transferable[];
}

export type Transferable = ArrayBuffer | MessagePort;

export type TaskStatus = 'queued' | 'held' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface TaskHandle<T = unknown> {
  readonly id: number;
  readonly traceId: string;
  readonly result: Promise<T>;
}

export interface TaskSnapshot {
  id: number;
  traceId: string;
  type: string;
  priority: number;
  status: TaskStatus;
  attempts: number;
  agentId: number | undefined;
  failedAgentIds: number[];
  queuedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  assignmentLatencyMs: number | undefined;
  error: Error | undefined;
}

export type AgentStatus = 'starting' | 'idle' | 'busy' | 'restarting' | 'stopped';

export interface AgentSnapshot {
  agentId: number;
  threadId: number;
  generation: number;
  status: AgentStatus;
  currentTaskId: number | undefined;
  contextId: string | undefined;
  tasksCompleted: number;
  tasksFailed: number;
  restarts: number;
}

export interface LatencySummary {
  count: number;
  avg: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface PoolMetrics {
  agents: { total: number; idle: number; busy: number; starting: number; restarting: number };
  queue: { depth: number; held: number; capacity: number };
  tasks: {
    submitted: number;
    rejected: number;
    pending: number;
    running: number;
    completed: number;
    failed: number;
    cancelled: number;
    retried: number;
  };
  utilization: number;
  assignmentLatencyMs: LatencySummary;
  runTimeMs: LatencySummary;
  byType: Record<string, { assignmentLatencyMs: LatencySummary; runTimeMs: LatencySummary }>;
  slo: { targetMs: number; p99Ms: number; ok: boolean };
  degraded: boolean;
}

export interface BottleneckEntry {
  taskId: number;
  traceId: string;
  type: string;
  agentId: number | undefined;
  runMs: number;
  waitMs: number;
  finishedAt: number;
}

export interface BottleneckReport {
  slowest: BottleneckEntry[];
  byType: Record<string, { p50: number; p95: number; p99: number; count: number }>;
}

export interface IsolationAgentReport {
  agentId: number;
  generation: number;
  threadId: number;
  contextId: string;
  memoryId: string;
  heapUsedBytes: number;
  heapLimitBytes: number;
  resourceLimits: ResourceLimits;
  canariesSeen: string[];
}

export interface IsolationReport {
  ok: boolean;
  agents: IsolationAgentReport[];
  checks: { name: string; ok: boolean; detail: string }[];
}

export type { AttemptRecord };
