import type { ResourceLimits } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from './errors.js';
import { checkKnownKeys } from './option-names.js';
import { MAX_ROLES, regionSizes, sharedBytes } from './ring/region.js';
import type { AlertThresholds } from './metrics/alerts.js';
import type { RestartPolicy } from './agents/restart-policy.js';
import { DEFAULTS } from './defaults.js';
import { checkWorkerData, int, oneOf, positiveMs, stringList, toAgentUrl, validateResourceLimits, validateRestart } from './option-values.js';
import type { AlertOptions, DependencyCheck, Logger, PoolOptions } from './types.js';

// Where they always were, for the modules that import them from here.
export { DEFAULTS, MAX_PRIORITY, MIN_PRIORITY } from './defaults.js';
export { TASK_OPTIONS, resolveTaskOptions, type ResolvedTaskOptions } from './task-options.js';

/** One role of the pool, its defaults filled in from the pool's. Index = bit in a slot's route. */
export interface ResolvedRole {
  name: string;
  index: number;
  agentUrl: URL;
  size: number;
  maxSize: number;
  capabilities: readonly string[];
  resourceLimits: ResourceLimits | undefined;
  workerData: unknown;
  restart: RestartPolicy | undefined;
}

/** The role a pool given only `agent` has. */
export const DEFAULT_ROLE = 'default';

export interface ResolvedOptions {
  /** At least one; a pool given `agent` has one named 'default'. */
  roles: readonly ResolvedRole[];
  /** Agents at start: the roles' sizes added up. */
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
  alerts: AlertThresholds;
  eventJournalSize: number;
  idleSpinUs: number;
  idleWait: 'async' | 'block';
  startTimeoutMs: number;
  payloadIsolation: 'shared' | 'private';
  /** Generated trace ids are `<tracePrefix>-<taskId>`: unique per pool, made only when read. */
  tracePrefix: string;
  finishedTasksKept: number;
  /** undefined: no limit on restarts (the default). */
  restart: RestartPolicy | undefined;
}

const POOL_OPTIONS = [
  'agent', 'agents', 'size', 'maxSize', 'queueCapacity', 'maxAttempts', 'taskTimeoutMs', 'hangTimeoutMs', 'heartbeatIntervalMs',
  'cancelGraceMs', 'agingIntervalMs', 'inlinePayloadBytes', 'resourceLimits', 'dependencies', 'requires', 'logger',
  'workerData', 'alerts', 'eventJournalSize', 'idleSpinUs', 'idleWait', 'startTimeoutMs', 'payloadIsolation', 'finishedTasksKept',
  'restart',
] as const;
const ROLE_OPTIONS = ['agent', 'size', 'maxSize', 'capabilities', 'resourceLimits', 'workerData', 'restart'] as const;
const ALERT_OPTIONS = ['slowTaskMs', 'typeP95Ms', 'agentFailuresPerHour', 'queueDepthShare'] as const;

/** The shared memory a pool allocates, in bytes: refused up front rather than failing inside an allocation. */
export const MAX_SHARED_BYTES = 2 ** 31 - 1;

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };



interface PoolDefaults {
  maxSize: number;
  resourceLimits: ResourceLimits | undefined;
  restart: RestartPolicy | undefined;
}

/** `agent` (one role, 'default') or `agents` (named roles), never both; role sizes fit maxSize together. */
function validateRoles(options: PoolOptions, d: PoolDefaults): ResolvedRole[] {
  if (options.agents === undefined) {
    const size = int('size', options.size, Math.min(DEFAULTS.size, d.maxSize), 1, d.maxSize);
    checkWorkerData(options.workerData);
    return [{ name: DEFAULT_ROLE, index: 0, agentUrl: toAgentUrl(options.agent), size, maxSize: d.maxSize, capabilities: [], resourceLimits: d.resourceLimits, workerData: options.workerData, restart: d.restart }];
  }
  if (options.agent !== undefined) throw new InvalidOptionError('agent', 'absent when `agents` is given (a pool takes one module, or a map of roles)', options.agent);
  if (options.size !== undefined) throw new InvalidOptionError('size', "absent when `agents` is given (each role's size says how many agents it starts)", options.size);
  const agents: unknown = options.agents;
  if (typeof agents !== 'object' || agents === null || Array.isArray(agents)) throw new InvalidOptionError('agents', 'an object of roles { name: { agent, size, ... } }', agents);
  const entries = Object.entries(agents as Record<string, unknown>);
  if (entries.length < 1 || entries.length > MAX_ROLES) throw new InvalidOptionError('agents', `from 1 to ${MAX_ROLES} roles`, agents);
  const roles = entries.map(([name, value], index): ResolvedRole => {
    const at = `agents.${name}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError(at, 'an object { agent, size, maxSize, capabilities, ... }', value);
    checkKnownKeys(`${at}.`, value, ROLE_OPTIONS);
    const r = value as Record<string, unknown>;
    const size = int(`${at}.size`, r.size, 1, 1, d.maxSize);
    checkWorkerData(r.workerData, `${at}.workerData`);
    return {
      name,
      index,
      agentUrl: toAgentUrl(r.agent, `${at}.agent`),
      size,
      maxSize: int(`${at}.maxSize`, r.maxSize, d.maxSize, size, d.maxSize),
      capabilities: stringList(`${at}.capabilities`, r.capabilities),
      resourceLimits: r.resourceLimits === undefined ? d.resourceLimits : validateResourceLimits(r.resourceLimits, `${at}.resourceLimits`),
      workerData: r.workerData === undefined ? options.workerData : r.workerData,
      restart: r.restart === undefined ? d.restart : validateRestart(r.restart, `${at}.restart`),
    };
  });
  const total = roles.reduce((sum, r) => sum + r.size, 0);
  if (total > d.maxSize) throw new InvalidOptionError('agents', `role sizes adding up to at most maxSize (${d.maxSize})`, total);
  checkWorkerData(options.workerData);
  return roles;
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


function validateAlerts(value: AlertOptions | undefined): AlertThresholds {
  const d = DEFAULTS.alerts;
  if (value === undefined) return { ...d };
  if (typeof value !== 'object' || value === null) throw new InvalidOptionError('alerts', 'an object of alert thresholds', value);
  checkKnownKeys('alerts.', value, ALERT_OPTIONS);
  const slow = value.slowTaskMs ?? {};
  if (typeof slow !== 'object' || slow === null) throw new InvalidOptionError('alerts.slowTaskMs', 'an object { warning, critical }', slow);
  // Only a critical threshold given: the warning default must not sit above it.
  const slowWarningMs = positiveMs('alerts.slowTaskMs.warning', slow.warning, Math.min(d.slowWarningMs, typeof slow.critical === 'number' ? slow.critical : d.slowWarningMs));
  const slowCriticalMs = positiveMs('alerts.slowTaskMs.critical', slow.critical, Math.max(d.slowCriticalMs, slowWarningMs));
  if (slowCriticalMs < slowWarningMs) throw new InvalidOptionError('alerts.slowTaskMs.critical', `at least the warning threshold (${slowWarningMs})`, slowCriticalMs);
  let typeP95Ms: AlertThresholds['typeP95Ms'];
  if (typeof value.typeP95Ms === 'object' && value.typeP95Ms !== null) {
    const perType: Record<string, number> = {};
    for (const [type, ms] of Object.entries(value.typeP95Ms)) perType[type] = positiveMs(`alerts.typeP95Ms.${type}`, ms, d.typeP95Ms);
    typeP95Ms = perType;
  } else {
    typeP95Ms = positiveMs('alerts.typeP95Ms', value.typeP95Ms, d.typeP95Ms);
  }
  const share = value.queueDepthShare ?? d.queueDepthShare;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw new InvalidOptionError('alerts.queueDepthShare', 'a share of the capacity above 0 and at most 1', share);
  return {
    slowWarningMs,
    slowCriticalMs,
    typeP95Ms,
    agentFailuresPerHour: int('alerts.agentFailuresPerHour', value.agentFailuresPerHour, d.agentFailuresPerHour, 0, 1_000_000),
    queueDepthShare: share,
  };
}


export function resolveOptions(options: PoolOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const maxSize = int('maxSize', options.maxSize, DEFAULTS.maxSize, 1, 256);
  const hangTimeoutMs = positiveMs('hangTimeoutMs', options.hangTimeoutMs, DEFAULTS.hangTimeoutMs);
  // Unset, the heartbeat is a quarter of the hang timeout (at most 1 s), so it always fits below it.
  const heartbeatIntervalMs = positiveMs('heartbeatIntervalMs', options.heartbeatIntervalMs, Math.min(DEFAULTS.heartbeatIntervalMs, hangTimeoutMs / 4));
  if (heartbeatIntervalMs >= hangTimeoutMs) {
    throw new InvalidOptionError('heartbeatIntervalMs', `a number below hangTimeoutMs (${hangTimeoutMs})`, heartbeatIntervalMs);
  }
  checkKnownKeys('', options, POOL_OPTIONS);
  const resourceLimits = validateResourceLimits(options.resourceLimits);
  const queueCapacity = int('queueCapacity', options.queueCapacity, DEFAULTS.queueCapacity, 1, 1_000_000);
  const inlinePayloadBytes = int('inlinePayloadBytes', options.inlinePayloadBytes, DEFAULTS.inlinePayloadBytes, 64, 16 * 1024 * 1024);
  checkSharedMemory(queueCapacity, maxSize, inlinePayloadBytes);
  const restart = validateRestart(options.restart);
  const roles = validateRoles(options, { maxSize, resourceLimits, restart });
  return {
    roles,
    size: roles.reduce((sum, r) => sum + r.size, 0),
    maxSize,
    queueCapacity,
    maxAttempts: int('maxAttempts', options.maxAttempts, DEFAULTS.maxAttempts, 1, 100),
    taskTimeoutMs: positiveMs('taskTimeoutMs', options.taskTimeoutMs, undefined),
    hangTimeoutMs,
    heartbeatIntervalMs,
    cancelGraceMs: positiveMs('cancelGraceMs', options.cancelGraceMs, DEFAULTS.cancelGraceMs),
    agingIntervalMs: positiveMs('agingIntervalMs', options.agingIntervalMs, DEFAULTS.agingIntervalMs),
    inlinePayloadBytes,
    resourceLimits,
    dependencies: validateDependencies(options.dependencies),
    requires: validateRequires(options.requires),
    logger: validateLogger(options.logger),
    workerData: options.workerData,
    alerts: validateAlerts(options.alerts),
    eventJournalSize: int('eventJournalSize', options.eventJournalSize, DEFAULTS.eventJournalSize, 0, 1_000_000),
    idleSpinUs: int('idleSpinUs', options.idleSpinUs, DEFAULTS.idleSpinUs, 0, 1_000_000),
    idleWait: oneOf('idleWait', options.idleWait, ['async', 'block'] as const, DEFAULTS.idleWait),
    startTimeoutMs: positiveMs('startTimeoutMs', options.startTimeoutMs, DEFAULTS.startTimeoutMs),
    payloadIsolation: oneOf('payloadIsolation', options.payloadIsolation, ['shared', 'private'] as const, DEFAULTS.payloadIsolation),
    tracePrefix: randomBytes(6).toString('hex'),
    finishedTasksKept: int('finishedTasksKept', options.finishedTasksKept, DEFAULTS.finishedTasksKept, 0, 10_000_000),
    restart,
  };
}

function checkSharedMemory(queueCapacity: number, maxSize: number, inlinePayloadBytes: number): void {
  const bytes = sharedBytes(regionSizes(queueCapacity, maxSize, inlinePayloadBytes));
  if (bytes > MAX_SHARED_BYTES) {
    throw new InvalidOptionError('queueCapacity', `small enough that the ring fits in ${MAX_SHARED_BYTES} bytes of shared memory (with maxSize ${maxSize} and inlinePayloadBytes ${inlinePayloadBytes} it needs ${bytes}); lower queueCapacity or inlinePayloadBytes`, queueCapacity);
  }
}

