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
  /** Module whose default export is `defineAgent(...)`: a pool of one role, named 'default'. Give this or `agents`. */
  agent?: URL | string;
  /**
   * Several agent modules in one pool, by role name (at most 16 roles). Each
   * role has its own module, size, limits and workerData; `maxSize` bounds the
   * whole pool. A task goes to an agent whose module handles its type; see
   * TaskOptions.role and TaskOptions.capabilities. Give this or `agent`.
   */
  agents?: Record<string, RoleOptions>;
  /** Agents at start (pools of one `agent`; with `agents`, each role's `size` says it). Default 4. */
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
  /** Thresholds for `alert` events; see AlertOptions. */
  alerts?: AlertOptions;
  /** How many recent events `recentEvents()` keeps (0 turns the journal off). Default 1,000. */
  eventJournalSize?: number;
  /** Opt-in low-latency mode: an idle agent polls for work this many microseconds before it sleeps. Default 0. */
  idleSpinUs?: number;
  /**
   * How an idle agent sleeps. 'async' (default): Atomics.waitAsync, its event loop
   * stays live. 'block': Atomics.wait, a faster wake-up, but the agent's timers and
   * I/O only get a turn every 20 ms while it is idle (piscina's default trade-off).
   */
  idleWait?: 'async' | 'block';
  /** How long an agent's module load and `setup()` may take before the start counts as failed. Default 30,000. */
  startTimeoutMs?: number;
  /**
   * 'shared' (default): small payloads and results sit in the shared ring, which
   * every agent maps, so any agent could read any task's bytes: the fast mode,
   * for trusted code. 'private': the ring carries only task descriptors; each
   * payload goes by message to the one agent that runs the task, and results
   * come back the same way. For pools that run mutually untrusted tasks.
   */
  payloadIsolation?: 'shared' | 'private';
  /**
   * Settled tasks kept for getTask(), oldest evicted first. Default 10,000. A kept
   * task is its metadata only (ids, type, status, times, attempts, error): its
   * payload is dropped when it settles and its result is never kept.
   */
  finishedTasksKept?: number;
  /** A limit on restarts of one agent; see RestartOptions. Default: none (a crash loop only backs off). */
  restart?: RestartOptions;
}

export interface RoleOptions {
  /** Module whose default export is `defineAgent(...)`. */
  agent: URL | string;
  /** Agents of this role at start. Default 1. */
  size?: number;
  /** Most agents of this role (resize, spawnAgent). Default: the pool's maxSize. */
  maxSize?: number;
  /** What this role's agents offer besides their handler types, for TaskOptions.capabilities. */
  capabilities?: readonly string[];
  /** Default: the pool's resourceLimits. */
  resourceLimits?: ResourceLimits;
  /** This role's `ctx.workerData`. Default: the pool's workerData. */
  workerData?: unknown;
  /** Default: the pool's restart policy. */
  restart?: RestartOptions;
}

/**
 * More than `maxRestarts` restarts of one agent id within `windowMs` and the
 * agent is abandoned: it is not restarted, its tasks fail over as after any
 * crash, and the pool runs with fewer agents (resize() or spawnAgent() adds
 * new ones, with new ids).
 */
export interface RestartOptions {
  maxRestarts: number;
  windowMs: number;
}

export interface AlertOptions {
  /** A task running longer than this raises a `warning` alert, then a `critical` one. Default 30,000 / 60,000. */
  slowTaskMs?: { warning?: number; critical?: number };
  /** Per-type run-time p95 above this raises a `warning` (all types, or per type name). Default 30,000. */
  typeP95Ms?: number | Record<string, number>;
  /** More failed attempts than this on one agent within an hour raises a `critical` alert. Default 10. */
  agentFailuresPerHour?: number;
  /** Waiting tasks above this share of queueCapacity raise a `warning` alert. Default 0.8. */
  queueDepthShare?: number;
}

export type AlertSeverity = 'warning' | 'critical';
export type AlertKind = 'slowTask' | 'typeP95' | 'agentFailures' | 'queueDepth';

export interface Alert {
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  /** The threshold crossed and the value measured (ms, a count, or a share). */
  threshold: number;
  value: number;
  taskId?: number;
  traceId?: string;
  type?: string;
  agentId?: number;
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
  /** Run only on agents of this role. */
  role?: string;
  /** Run only on agents that have every one of these: their role's `capabilities` plus its handler types. */
  capabilities?: readonly string[];
  /** Set by pool.flow() on its nodes' tasks: the handler reads `ctx.flow` and `ctx.inputs`. */
  flow?: FlowLink;
}

/** Which flow node a task runs, and the results of the nodes it comes after (by node id). */
export interface FlowLink {
  id: number;
  node: string;
  inputs: Record<string, unknown>;
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
  /** The task whose handler submitted this one with ctx.run or ctx.submit. */
  parentId: number | undefined;
}

/** 'abandoned': past the `restart` limit, never restarted (its id is not reused). */
export type AgentStatus = 'starting' | 'idle' | 'busy' | 'restarting' | 'stopped' | 'abandoned';

export interface RoleSnapshot {
  name: string;
  capabilities: string[];
  /** Its handler types; undefined until one of its agents has started. */
  types: string[] | undefined;
  /** Agents of the role that stay (not retiring, not abandoned). */
  size: number;
  maxSize: number;
  /** No agent of it can take work (all abandoned, or none can start). */
  down: boolean;
}

export interface AgentSnapshot {
  agentId: number;
  role: string;
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

/** Task counts and latency summaries of one group of tasks: a task type or an agent. */
export interface GroupMetrics {
  tasks: { completed: number; failed: number; retried: number };
  assignmentLatencyMs: LatencySummary;
  runTimeMs: LatencySummary;
  endToEndMs: LatencySummary;
}

export interface AgentMetrics extends GroupMetrics {
  role: string;
  generation: number;
  status: AgentStatus;
  /** Busy time over the agent's time in the window, 0..1. */
  utilization: number;
  /** V8 heap in use inside the agent's isolate, sampled every heartbeat interval; 0 before the first sample. */
  heapUsedBytes: number;
  /** worker.performance.eventLoopUtilization() of the current incarnation, 0..1. */
  eventLoopUtilization: number;
}

export interface RoleMetrics {
  agents: PoolMetrics['agents'];
  tasks: { completed: number; failed: number; retried: number };
  /** Busy time over agent time of this role's agents in the window, 0..1. */
  utilization: number;
}

export interface MetricsWindow {
  /** Epoch ms when this window began (pool creation or the last resetMetrics()). */
  startedAt: number;
  durationMs: number;
}

export interface PoolMetrics {
  agents: { total: number; idle: number; busy: number; starting: number; restarting: number; abandoned: number };
  queue: { depth: number; held: number; capacity: number };
  /** pending and running are now; the other counts are for the current window. */
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
  /** Busy time over agent time in the window, 0..1. */
  utilization: number;
  assignmentLatencyMs: LatencySummary;
  runTimeMs: LatencySummary;
  /** Accepted submit to settled, for tasks that completed or failed. */
  endToEndMs: LatencySummary;
  byType: Record<string, GroupMetrics>;
  byAgent: Record<string, AgentMetrics>;
  /** Per role ('default' in a pool of one `agent`): its agents by status, the window's task counts and utilization. */
  byRole: Record<string, RoleMetrics>;
  slo: { targetMs: number; p99Ms: number; ok: boolean; window: MetricsWindow };
  window: MetricsWindow;
  /** Since the pool was created; resetMetrics() does not touch these. */
  lifetime: {
    tasks: { submitted: number; rejected: number; completed: number; failed: number; cancelled: number; retried: number };
    assignmentLatencyMs: LatencySummary;
    runTimeMs: LatencySummary;
    endToEndMs: LatencySummary;
  };
  degraded: boolean;
  /** Flows (pool.flow()): running now, and how many ended each way since the pool started. */
  flows: { running: number; completed: number; failed: number; cancelled: number };
  /**
   * The spill area: shared memory for payloads larger than a slot's inline
   * bytes. `bytes` is what it has grown to (it keeps its high-water mark);
   * `bytesInUse` and `chunksInUse` are the payloads of tasks not yet settled.
   */
  sharedMemory: { spill: { bytes: number; bytesInUse: number; chunksInUse: number } };
}

/** Encoded HDR histograms (compressed base64, values in microseconds) of the current window. */
export interface HistogramSet {
  assignmentLatency: string;
  runTime: string;
  endToEnd: string;
}

export interface HistogramExport extends HistogramSet {
  unit: 'us';
  encoding: 'hdr-compressed-base64';
  window: MetricsWindow;
  byType: Record<string, HistogramSet>;
}

export interface RecentEvent {
  /** Increases by one per event over the pool's life, so a reader can tell what it missed. */
  seq: number;
  /** Epoch ms. */
  at: number;
  event: string;
  payload: unknown;
}

export interface BottleneckEntry {
  taskId: number;
  traceId: string;
  type: string;
  agentId: number | undefined;
  attempt: number;
  runMs: number;
  waitMs: number;
  /** Epoch ms. */
  startedAt: number;
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
  heapTotalBytes: number;
  heapLimitBytes: number;
  resourceLimits: ResourceLimits;
  /** The agent found the canary it planted itself: the probe works. */
  ownCanaryVisible: boolean;
  /** Canaries planted by other agents that this one could see (should be empty). */
  canariesSeen: string[];
  /** Bytes of task payload memory this agent maps (every task's, with payloads: 'shared'; none with 'private'). */
  payloadBytesMapped: number;
}

export interface IsolationCheck {
  name: string;
  ok: boolean;
  detail: string;
  /**
   * Says how the pool runs rather than whether isolation holds: not counted in
   * `ok`. The payload check is one: 'shared' payloads are the documented
   * trade-off for trusted code, not a failure.
   */
  informational?: true;
}

export interface IsolationReport {
  /** Every check that is not informational passed. */
  ok: boolean;
  /** 'shared': every agent maps the ring's payload bytes and could read any task's payload; 'private': payloads and results travel only to and from the agent that runs the task. */
  payloads: 'shared' | 'private';
  agents: IsolationAgentReport[];
  checks: IsolationCheck[];
}

export type { AttemptRecord };
