import { InvalidOptionError } from './errors.js';
import { checkKnownKeys } from './option-names.js';
import { DEFAULTS, MAX_PRIORITY, MIN_PRIORITY } from './defaults.js';
import { int, positiveMs, stringList } from './option-values.js';
import { checkTransferList } from './tasks/payload.js';
import type { FlowLink, TaskOptions } from './types.js';

/** Exported for schedule(), whose options are these (bar signal, transfer and flow) plus its own. */
export const TASK_OPTIONS = ['type', 'priority', 'traceId', 'signal', 'timeoutMs', 'idempotent', 'transfer', 'role', 'capabilities', 'flow'] as const;

export interface ResolvedTaskOptions {
  type: string;
  priority: number;
  traceId: string | undefined;
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
  idempotent: boolean;
  transfer: readonly Transferable[] | undefined;
  /** Pins the task to one role (a name of the pool's roles; admission checks it). */
  role: string | undefined;
  capabilities: readonly string[] | undefined;
  flow: FlowLink | undefined;
}

type Transferable = NonNullable<TaskOptions['transfer']>[number];

/**
 * The resolved options of a task that gave at most its type: one frozen object
 * per type and pool deadline, shared by every such task (the common case on
 * the hot path costs no validation and no allocation).
 */
const plainOptions = new Map<string, ResolvedTaskOptions>();

function plainOptionsFor(type: string, poolTimeoutMs: number | undefined): ResolvedTaskOptions | undefined {
  if (poolTimeoutMs !== undefined) return undefined;
  let cached = plainOptions.get(type);
  if (cached === undefined && plainOptions.size < 1_000) {
    cached = Object.freeze({ type, priority: DEFAULTS.priority, traceId: undefined, signal: undefined, timeoutMs: undefined, idempotent: true, transfer: undefined, role: undefined, capabilities: undefined, flow: undefined });
    plainOptions.set(type, cached);
  }
  return cached;
}

/** Only `type` (a non-empty string) is set: the options can be shared. */
function onlyType(o: object): o is { type?: string } {
  for (const key in o) if (key !== 'type') return false;
  const type = (o as { type?: unknown }).type;
  return type === undefined || (typeof type === 'string' && type.length > 0);
}

function checkFlowLink(value: unknown): FlowLink {
  const f = value as Partial<FlowLink> | null;
  if (typeof f !== 'object' || f === null || typeof f.id !== 'number' || typeof f.node !== 'string' || typeof f.inputs !== 'object' || f.inputs === null) {
    throw new InvalidOptionError('flow', 'an object { id, node, inputs } (set by pool.flow())', value);
  }
  return { id: f.id, node: f.node, inputs: f.inputs };
}

/** Per-task options, checked at submit so a bad call throws before anything is accepted. */
export function resolveTaskOptions(opts: TaskOptions | undefined, poolTimeoutMs: number | undefined): ResolvedTaskOptions {
  if (opts === undefined || (typeof opts === 'object' && opts !== null && onlyType(opts))) {
    const shared = plainOptionsFor(opts?.type ?? 'general', poolTimeoutMs);
    if (shared !== undefined) return shared;
  }
  const o = opts ?? {};
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('options', 'an object', o);
  checkKnownKeys('', o, TASK_OPTIONS);
  if (o.type !== undefined && (typeof o.type !== 'string' || o.type.length === 0)) {
    throw new InvalidOptionError('type', 'a non-empty task type name', o.type);
  }
  if (o.traceId !== undefined && typeof o.traceId !== 'string') throw new InvalidOptionError('traceId', 'a string', o.traceId);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', o.signal);
  if (o.idempotent !== undefined && typeof o.idempotent !== 'boolean') throw new InvalidOptionError('idempotent', 'a boolean', o.idempotent);
  if (o.transfer !== undefined && !Array.isArray(o.transfer)) throw new InvalidOptionError('transfer', 'an array of ArrayBuffers and MessagePorts', o.transfer);
  if (o.role !== undefined && (typeof o.role !== 'string' || o.role.length === 0)) throw new InvalidOptionError('role', 'a role name', o.role);
  return {
    type: o.type ?? 'general',
    priority: int('priority', o.priority, DEFAULTS.priority, MAX_PRIORITY, MIN_PRIORITY),
    traceId: o.traceId,
    signal: o.signal,
    timeoutMs: positiveMs('timeoutMs', o.timeoutMs, poolTimeoutMs),
    idempotent: o.idempotent ?? true,
    transfer: o.transfer === undefined ? undefined : checkTransferList(o.transfer),
    role: o.role,
    capabilities: o.capabilities === undefined ? undefined : stringList('capabilities', o.capabilities),
    flow: o.flow === undefined ? undefined : checkFlowLink(o.flow),
  };
}

