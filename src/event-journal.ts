import type { RecentEvent } from './types.js';

/** The routine steps of a task, kept apart from the lifecycle events in typed arrays. */
export const TaskStep = Object.freeze({ QUEUED: 0, STARTED: 1, COMPLETED: 2 });
const STEP_EVENTS = ['taskQueued', 'taskStarted', 'taskCompleted'] as const;

/** Steps kept per lifecycle event kept: a task makes three steps, and far more tasks pass than incidents. */
export const STEPS_PER_EVENT = 4;

/**
 * The last N events the pool emitted, oldest first, for dashboards and the CLI.
 * Two fixed rings share one sequence: lifecycle events as objects (one array
 * store each), and task steps (queued, started, completed) as columns of typed
 * arrays, so the hot path stores a few numbers and allocates nothing; a step
 * becomes an event object only when recent() reads it. Memory stays bounded
 * however long the pool runs.
 */
export class EventJournal {
  private readonly entries: (RecentEvent | undefined)[];
  private seq = 0;
  readonly #stepCapacity: number;
  readonly #stepSeq: Float64Array;
  readonly #stepAt: Float64Array;
  readonly #stepMs: Float64Array;
  readonly #stepTask: Float64Array;
  readonly #stepKind: Uint8Array;
  readonly #stepType: Uint16Array;
  readonly #stepAgent: Int32Array;
  #steps = 0;
  /** Task type names by code (types are few; a code is a Uint16). */
  readonly #typeCode = new Map<string, number>();
  readonly #typeName: string[] = [];

  constructor(readonly capacity: number) {
    this.entries = new Array<RecentEvent | undefined>(capacity);
    const n = (this.#stepCapacity = capacity * STEPS_PER_EVENT);
    this.#stepSeq = new Float64Array(n);
    this.#stepAt = new Float64Array(n);
    this.#stepMs = new Float64Array(n);
    this.#stepTask = new Float64Array(n);
    this.#stepKind = new Uint8Array(n);
    this.#stepType = new Uint16Array(n);
    this.#stepAgent = new Int32Array(n);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  record(event: string, payload: unknown): void {
    if (this.capacity === 0) return;
    const seq = ++this.seq;
    this.entries[seq % this.capacity] = { seq, at: Date.now(), event, payload };
  }

  /**
   * A task step, at `atMs` (epoch ms); `ms` is the assignment latency for a
   * start, the run time for a completion. agentId -1: none (queued).
   */
  step(kind: number, taskId: number, type: string, agentId: number, atMs: number, ms: number): void {
    if (this.capacity === 0) return;
    let code = this.#typeCode.get(type);
    if (code === undefined) {
      if (this.#typeName.length >= 65_535) return; // more type names than a code holds: not journaled
      code = this.#typeName.length;
      this.#typeCode.set(type, code);
      this.#typeName.push(type);
    }
    const i = this.#steps++ % this.#stepCapacity;
    this.#stepSeq[i] = ++this.seq;
    this.#stepAt[i] = atMs;
    this.#stepMs[i] = ms;
    this.#stepTask[i] = taskId;
    this.#stepKind[i] = kind;
    this.#stepType[i] = code;
    this.#stepAgent[i] = agentId;
  }

  #stepEvent(i: number): RecentEvent {
    const kind = this.#stepKind[i] ?? 0;
    const payload: Record<string, unknown> = { taskId: this.#stepTask[i], type: this.#typeName[this.#stepType[i] ?? 0] };
    if (kind !== TaskStep.QUEUED) payload.agentId = this.#stepAgent[i];
    if (kind === TaskStep.STARTED) payload.assignmentLatencyMs = this.#stepMs[i];
    if (kind === TaskStep.COMPLETED) payload.runMs = this.#stepMs[i];
    return { seq: this.#stepSeq[i] ?? 0, at: this.#stepAt[i] ?? 0, event: STEP_EVENTS[kind] ?? 'taskQueued', payload };
  }

  /** Up to `limit` most recent events, steps and lifecycle events merged in the order they were recorded, oldest first. */
  recent(limit: number = this.capacity): RecentEvent[] {
    const events: RecentEvent[] = [];
    for (const entry of this.entries) if (entry !== undefined) events.push(entry);
    const stepsKept = Math.min(this.#steps, this.#stepCapacity);
    for (let k = 0; k < stepsKept; k++) events.push(this.#stepEvent(k));
    events.sort((a, b) => a.seq - b.seq);
    return events.slice(Math.max(0, events.length - limit));
  }
}
