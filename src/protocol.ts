/**
 * The closed set of messages between the coordinator and an agent. The hot path
 * (task descriptors, inline payloads and results, completions, heartbeats) goes
 * through shared memory; these messages carry the rest: the handshake, payloads
 * and results too large for a slot or carrying transferables, start notices for
 * tasks with a deadline, cancellation, logs and control-plane probes.
 */
import type { WireError } from './errors.js';
import type { SharedRegion } from './ring/region.js';
import type { TaskOptions } from './types.js';

/** What ctx.run and ctx.submit take: a task's options. The signal stays in the agent; its abort is sent as 'cancelSubtask'. */
export type SubtaskOptions = TaskOptions;

export const PROTOCOL_VERSION = 1;

/** What every agent receives as workerData. */
export interface AgentBoot {
  v: typeof PROTOCOL_VERSION;
  agentUrl: string;
  agentId: number;
  generation: number;
  block: number;
  region: SharedRegion;
  agingIntervalMs: number;
  heartbeatIntervalMs: number;
  idleSpinUs: number;
  idleWait: 'async' | 'block';
  userData: unknown;
  /** Generated trace ids are `<tracePrefix>-<taskId>`: the agent derives them instead of receiving them. */
  tracePrefix: string;
  /** 'private': the region's payload bytes are not mapped; payloads and results travel by message. */
  payloads: 'shared' | 'private';
  /** Index of the agent's role; with `routed`, it claims only slots whose route has this bit. */
  role: number;
  routed: boolean;
  /**
   * Type code -> name, as slots carry it; undefined when the agent's role has
   * not said its types yet: the agent then waits for a 'types' message after
   * its 'ready' before it claims anything.
   */
  typeCodes: string[] | undefined;
}

export type AgentMessage =
  | { v: 1; kind: 'ready'; contextId: string; memoryId: string; types: string[] }
  | { v: 1; kind: 'initError'; error: WireError }
  | { v: 1; kind: 'started'; slot: number; taskId: number; startedAtMs: number }
  | { v: 1; kind: 'result'; slot: number; taskId: number; ok: true; value: unknown }
  | { v: 1; kind: 'result'; slot: number; taskId: number; ok: false; error: WireError }
  /**
   * A `ctx.log` line. `errors`: the fields whose value was an Error, in wire
   * form (structured clone would drop their code and own fields); the
   * coordinator rebuilds them under the same keys. Absent when there are none.
   */
  | { v: 1; kind: 'log'; level: LogLevel; msg: string; fields: Record<string, unknown>; errors?: Record<string, WireError> }
  | { v: 1; kind: 'probeReply'; probeId: number; report: ProbeReport }
  /**
   * ctx.run (`wait`: the handler awaits the result) or ctx.submit from the
   * handler of `parentTaskId`, which this agent must be running.
   */
  | { v: 1; kind: 'submit'; requestId: number; parentTaskId: number; payload: unknown; options: Omit<TaskOptions, 'signal'>; wait: boolean }
  | { v: 1; kind: 'cancelSubtask'; requestId: number; reason: WireError };

export type CoordinatorMessage =
  /**
   * A payload that is not in the slot (too large, private payloads, buffers that
   * move), posted to the chosen agent just before the task is handed to it.
   * `bytes`: `payload` is the encoded form, else the value itself.
   */
  | { v: 1; kind: 'payload'; slot: number; taskId: number; payload: unknown; bytes: boolean }
  | { v: 1; kind: 'cancel'; slot: number; taskId: number; reason: WireError }
  | { v: 1; kind: 'stop' }
  /** The type-code table, for an agent booted without one. */
  | { v: 1; kind: 'types'; codes: string[] }
  /** Answers to a 'submit': accepted (then settled later) or refused with the coded error submit() threw. */
  | { v: 1; kind: 'accepted'; requestId: number; taskId: number; traceId: string }
  | { v: 1; kind: 'refused'; requestId: number; error: WireError }
  | { v: 1; kind: 'settled'; requestId: number; ok: true; value: unknown }
  | { v: 1; kind: 'settled'; requestId: number; ok: false; error: WireError }
  | { v: 1; kind: 'probe'; probeId: number; plant: string | undefined; look: string[] };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ProbeReport {
  threadId: number;
  contextId: string;
  memoryId: string;
  heapUsedBytes: number;
  heapTotalBytes: number;
  heapLimitBytes: number;
  /** Canaries from `look` that this agent can see in its globals or memory. */
  seen: string[];
  /** Size of the payload byte buffer this isolate maps (0 when payloads are private). */
  payloadBytesMapped: number;
}


/** Global key under which an agent plants its isolation canary. */
export const CANARY_GLOBAL = '__daedalusCanary';
