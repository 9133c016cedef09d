import type { TaskSnapshot } from '../types.js';
import type { TerminalPhase } from './phase.js';
import type { Task } from './task.js';

/**
 * The most recent settled tasks, for getTask(): what getTask() shows of each,
 * copied into columns (typed arrays, and plain arrays for the few strings and
 * errors) at settlement, so the Task object itself can die young. Keeping the
 * last 10,000 Task objects (each with its attempt log) made every task survive
 * two scavenges and be copied into the old generation, about a seventh of the
 * main thread's time per no-op task.
 *
 * A ring in settlement order: the oldest entry is overwritten first. An id is
 * found through a direct-mapped index (id modulo a power of two at least four
 * times the ring), checked against the ring; when a newer id took its index
 * slot, or the id is not kept, a scan of the ring decides.
 */
const STATUS: readonly TerminalPhase[] = ['completed', 'failed', 'cancelled'];
/** Stored for an absent number (agentId, startedAt, ...): never a real value. */
const NONE = Number.NaN;

export class FinishedTasks {
  readonly #capacity: number;
  #count = 0;
  readonly #ids: Float64Array;
  readonly #status: Uint8Array;
  readonly #type: Uint32Array;
  readonly #priority: Float64Array;
  readonly #attempts: Float64Array;
  readonly #agentId: Float64Array;
  readonly #queuedAt: Float64Array;
  readonly #startedAt: Float64Array;
  readonly #finishedAt: Float64Array;
  readonly #assignmentMs: Float64Array;
  readonly #parentId: Float64Array;
  /** A caller's own trace id; else the pool's prefix, shared by its tasks (the id is appended on read). */
  readonly #traceIds: (string | undefined)[];
  readonly #tracePrefixes: (string | undefined)[];
  readonly #errors: (Error | undefined)[];
  readonly #failedAgentIds: (number[] | undefined)[];
  /** Task types by code: a pool's types are the few its roles handle. */
  readonly #types: string[] = [];
  readonly #typeCodes = new Map<string, number>();
  /** id & mask -> ring position + 1 (0: none). */
  readonly #index: Int32Array;
  readonly #mask: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, capacity);
    const n = this.#capacity;
    this.#ids = new Float64Array(n).fill(NONE);
    this.#status = new Uint8Array(n);
    this.#type = new Uint32Array(n);
    this.#priority = new Float64Array(n);
    this.#attempts = new Float64Array(n);
    this.#agentId = new Float64Array(n);
    this.#queuedAt = new Float64Array(n);
    this.#startedAt = new Float64Array(n);
    this.#finishedAt = new Float64Array(n);
    this.#assignmentMs = new Float64Array(n);
    this.#parentId = new Float64Array(n);
    this.#traceIds = new Array<string | undefined>(n).fill(undefined);
    this.#tracePrefixes = new Array<string | undefined>(n).fill(undefined);
    this.#errors = new Array<Error | undefined>(n).fill(undefined);
    this.#failedAgentIds = new Array<number[] | undefined>(n).fill(undefined);
    let size = 1;
    while (size < 4 * n) size *= 2;
    this.#index = new Int32Array(n === 0 ? 0 : size);
    this.#mask = size - 1;
  }

  /** Copies what getTask() shows of a task that has just settled; the oldest entry goes when full. */
  record(task: Task, phase: TerminalPhase): void {
    if (this.#capacity === 0) return;
    const at = this.#count++ % this.#capacity;
    this.#ids[at] = task.id;
    this.#status[at] = STATUS.indexOf(phase);
    this.#type[at] = this.#codeOf(task.type);
    this.#priority[at] = task.options.priority;
    this.#attempts[at] = task.attempts.started;
    this.#agentId[at] = task.agentId ?? NONE;
    this.#queuedAt[at] = task.queuedAt;
    this.#startedAt[at] = task.startedAt ?? NONE;
    this.#finishedAt[at] = task.finishedAt ?? NONE;
    this.#assignmentMs[at] = task.assignmentLatencyMs ?? NONE;
    this.#parentId[at] = task.parentId ?? NONE;
    this.#traceIds[at] = task.options.traceId;
    this.#tracePrefixes[at] = task.tracePrefix;
    this.#errors[at] = task.error;
    // A task completed at its first try has no failed one: no list to build on the hot path.
    const failed = phase === 'completed' && task.attempts.started <= 1 ? undefined : task.attempts.failedAgentIds();
    this.#failedAgentIds[at] = failed?.length === 0 ? undefined : failed;
    this.#index[task.id & this.#mask] = at + 1;
  }

  /** The snapshot of a kept settled task, or undefined (never settled, or evicted). */
  snapshot(id: number): TaskSnapshot | undefined {
    const at = this.#positionOf(id);
    if (at < 0) return undefined;
    const trace = this.#traceIds[at] ?? `${this.#tracePrefixes[at] ?? ''}-${id}`;
    const opt = (v: number | undefined): number | undefined => (v === undefined || Number.isNaN(v) ? undefined : v);
    return {
      id,
      traceId: trace,
      type: this.#types[this.#type[at] ?? 0] ?? '',
      priority: this.#priority[at] ?? 0,
      status: STATUS[this.#status[at] ?? 0] ?? 'completed',
      attempts: this.#attempts[at] ?? 0,
      agentId: opt(this.#agentId[at]),
      failedAgentIds: [...(this.#failedAgentIds[at] ?? [])],
      queuedAt: this.#queuedAt[at] ?? 0,
      startedAt: opt(this.#startedAt[at]),
      finishedAt: opt(this.#finishedAt[at]),
      assignmentLatencyMs: opt(this.#assignmentMs[at]),
      error: this.#errors[at],
      parentId: opt(this.#parentId[at]),
    };
  }

  #positionOf(id: number): number {
    if (this.#capacity === 0) return -1;
    const hinted = (this.#index[id & this.#mask] ?? 0) - 1;
    if (hinted >= 0 && this.#ids[hinted] === id) return hinted;
    // A newer id took the index slot (or the id is not kept): the ring decides.
    return this.#ids.indexOf(id);
  }

  #codeOf(type: string): number {
    let code = this.#typeCodes.get(type);
    if (code === undefined) {
      code = this.#types.push(type) - 1;
      this.#typeCodes.set(type, code);
    }
    return code;
  }
}
