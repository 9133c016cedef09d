import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { InvalidOptionError } from './errors.js';
import type { DependencyCheck, Logger, PoolOptions, TaskOptions } from './types.js';

export const DEFAULTS = Object.freeze({
  size: 4,
  maxSize: 16,
  queueCapacity: 100,
  maxAttempts: 3,
  priority: 5,
  hangTimeoutMs: 30_000,
  heartbeatIntervalMs: 1_000,
  cancelGraceMs: 1_000,
  agingIntervalMs: 1_000,
  inlinePayloadBytes: 4_096,
  dependencyIntervalMs: 1_000,
  sloTargetMs: 500,
  finishedTasksKept: 10_000,
  slowestTasksKept: 100,
});

export const MIN_PRIORITY = 10;
export const MAX_PRIORITY = 1;

export interface ResolvedOptions {
  agentUrl: URL;
  size: number;
  maxSize: number;
  queueCapacity: number;
  maxAttempts: number;
  taskTimeoutMs: number | undefined;
  hangTimeoutMs: number;
  heartbeatIntervalMs: number;
  cancelGraceMs: number;
  agingIntervalMs: number;
  inlinePayloadBytes: number;
  resourceLimits: ResourceLimits | undefined;
  dependencies: Record<string, Required<DependencyCheck>>;
  requires: Record<string, readonly string[]>;
  logger: Logger;
  workerData: unknown;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function int(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function positiveMs(name: string, value: unknown, fallback: number): number;
function positiveMs(name: string, value: unknown, fallback: number | undefined): number | undefined;
function positiveMs(name: string, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(name, 'a finite number of milliseconds above 0', value);
  }
  return value;
}

function toAgentUrl(value: unknown): URL {
  if (value instanceof URL) return value;
  if (typeof value === 'string' && value.length > 0) {
    if (/^(file|data):/.test(value)) return new URL(value);
    if (value.startsWith('/')) return pathToFileURL(value);
  }
  throw new InvalidOptionError('agent', 'a file URL or an absolute path to the agent module', value);
}

function validateDependencies(value: unknown): Record<string, Required<DependencyCheck>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new InvalidOptionError('dependencies', 'an object of { check, intervalMs }', value);
  const out: Record<string, Required<DependencyCheck>> = {};
  for (const [name, dep] of Object.entries(value as Record<string, unknown>)) {
    const d = dep as Partial<DependencyCheck> | null;
    if (typeof d !== 'object' || d === null || typeof d.check !== 'function') {
      throw new InvalidOptionError(`dependencies.${name}.check`, 'a function', d?.check);
    }
    out[name] = { check: d.check, intervalMs: positiveMs(`dependencies.${name}.intervalMs`, d.intervalMs, DEFAULTS.dependencyIntervalMs) };
  }
  return out;
}

function validateRequires(value: unknown): Record<string, readonly string[]> {
  if (value === undefined) return { discovery: ['discovery'], migration: ['discovery'] };
  if (typeof value !== 'object' || value === null) throw new InvalidOptionError('requires', 'an object mapping task type to dependency names', value);
  const out: Record<string, readonly string[]> = {};
  for (const [type, deps] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string')) {
      throw new InvalidOptionError(`requires.${type}`, 'an array of dependency names', deps);
    }
    out[type] = Object.freeze([...(deps)]);
  }
  return out;
}

function validateLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const l = value as Record<string, unknown> | null;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof l !== 'object' || l === null || typeof l[level] !== 'function') {
      throw new InvalidOptionError('logger', 'a pino-compatible logger with debug/info/warn/error', value);
    }
  }
  return l as unknown as Logger;
}

export function resolveOptions(options: PoolOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const maxSize = int('maxSize', options.maxSize, DEFAULTS.maxSize, 1, 256);
  const size = int('size', options.size, Math.min(DEFAULTS.size, maxSize), 1, maxSize);
  const hangTimeoutMs = positiveMs('hangTimeoutMs', options.hangTimeoutMs, DEFAULTS.hangTimeoutMs);
  // Unset, the heartbeat is a quarter of the hang timeout (at most 1 s), so it always fits below it.
  const heartbeatIntervalMs = positiveMs('heartbeatIntervalMs', options.heartbeatIntervalMs, Math.min(DEFAULTS.heartbeatIntervalMs, hangTimeoutMs / 4));
  if (heartbeatIntervalMs >= hangTimeoutMs) {
    throw new InvalidOptionError('heartbeatIntervalMs', `a number below hangTimeoutMs (${hangTimeoutMs})`, heartbeatIntervalMs);
  }
  if (options.resourceLimits !== undefined && (typeof options.resourceLimits !== 'object' || options.resourceLimits === null)) {
    throw new InvalidOptionError('resourceLimits', 'a worker_threads ResourceLimits object', options.resourceLimits);
  }
  return {
    agentUrl: toAgentUrl(options.agent),
    size,
    maxSize,
    queueCapacity: int('queueCapacity', options.queueCapacity, DEFAULTS.queueCapacity, 1, 1_000_000),
    maxAttempts: int('maxAttempts', options.maxAttempts, DEFAULTS.maxAttempts, 1, 100),
    taskTimeoutMs: positiveMs('taskTimeoutMs', options.taskTimeoutMs, undefined),
    hangTimeoutMs,
    heartbeatIntervalMs,
    cancelGraceMs: positiveMs('cancelGraceMs', options.cancelGraceMs, DEFAULTS.cancelGraceMs),
    agingIntervalMs: positiveMs('agingIntervalMs', options.agingIntervalMs, DEFAULTS.agingIntervalMs),
    inlinePayloadBytes: int('inlinePayloadBytes', options.inlinePayloadBytes, DEFAULTS.inlinePayloadBytes, 64, 16 * 1024 * 1024),
    resourceLimits: options.resourceLimits,
    dependencies: validateDependencies(options.dependencies),
    requires: validateRequires(options.requires),
    logger: validateLogger(options.logger),
    workerData: options.workerData,
  };
}

export interface ResolvedTaskOptions {
  type: string;
  priority: number;
  traceId: string | undefined;
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
  idempotent: boolean;
  transfer: readonly Transferable[] | undefined;
}

type Transferable = NonNullable<TaskOptions['transfer']>[number];

/** Per-task options, checked at submit so a bad call throws before anything is accepted. */
export function resolveTaskOptions(opts: TaskOptions | undefined, poolTimeoutMs: number | undefined): ResolvedTaskOptions {
  const o = opts ?? {};
  if (typeof o !== 'object') throw new InvalidOptionError('options', 'an object', o);
  if (o.type !== undefined && (typeof o.type !== 'string' || o.type.length === 0)) {
    throw new InvalidOptionError('type', 'a non-empty task type name', o.type);
  }
  if (o.traceId !== undefined && typeof o.traceId !== 'string') throw new InvalidOptionError('traceId', 'a string', o.traceId);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', o.signal);
  if (o.idempotent !== undefined && typeof o.idempotent !== 'boolean') throw new InvalidOptionError('idempotent', 'a boolean', o.idempotent);
  if (o.transfer !== undefined && !Array.isArray(o.transfer)) throw new InvalidOptionError('transfer', 'an array of transferables', o.transfer);
  return {
    type: o.type ?? 'general',
    priority: int('priority', o.priority, DEFAULTS.priority, MAX_PRIORITY, MIN_PRIORITY),
    traceId: o.traceId,
    signal: o.signal,
    timeoutMs: positiveMs('timeoutMs', o.timeoutMs, poolTimeoutMs),
    idempotent: o.idempotent ?? true,
    transfer: o.transfer,
  };
}
