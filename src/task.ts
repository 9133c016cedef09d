import type { AttemptRecord } from './errors.js';
import type { ResolvedTaskOptions } from './options.js';
import type { TaskSnapshot, TaskStatus } from './types.js';

export type Settle = { ok: true; value: unknown } | { ok: false; error: Error };

/**
 * The coordinator's record of one accepted task. It is the source of truth for
 * what each agent was running: a worker that dies by `process.exit` emits no
 * error, so a lost task is found from here and from the slot's CLAIM word.
 */
export class TaskRecord {
  status: TaskStatus = 'queued';
  /** Slot in shared memory while the task is waiting, running or finishing; -1 after. */
  slot = -1;
  /** Encoded [payload, traceId] when it fits a slot; kept so a retry can be re-queued after the slot is quarantined. */
  encoded: Uint8Array | undefined;
  attemptsStarted = 0;
  /** The current try is already in attemptsStarted (it was seen running before its outcome arrived). */
  attemptCounted = false;
  readonly attempts: AttemptRecord[] = [];
  readonly failedAgentIds: number[] = [];
  /** "agentId:generation" of incarnations that failed this task: never run it there again. */
  readonly failedIncarnations = new Set<string>();
  agentId: number | undefined;
  generation: number | undefined;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  assignmentLatencyMs: number | undefined;
  error: Error | undefined;
  /** Removes the abort listener; run on settle so no listener outlives the task. */
  cleanup: (() => void) | undefined;
  /** timeoutMs, armed when the agent reports the handler started. */
  deadlineTimer: NodeJS.Timeout | undefined;
  /** After abort or timeout of a running task: terminate its agent if the handler has not returned by then. */
  graceTimer: NodeJS.Timeout | undefined;
  private resolveFn!: (value: unknown) => void;
  private rejectFn!: (error: Error) => void;
  readonly result: Promise<unknown>;

  constructor(
    readonly id: number,
    readonly traceId: string,
    readonly options: ResolvedTaskOptions,
    readonly payload: unknown,
    readonly queuedAt: number,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // The caller may never await (fire-and-forget submit): a rejection is still reported
    // through events and getTask(), so it must not also crash the process as unhandled.
    this.result.catch(() => {});
  }

  get type(): string {
    return this.options.type;
  }

  get settled(): boolean {
    return this.status === 'completed' || this.status === 'failed' || this.status === 'cancelled';
  }

  /** Settles exactly once; later calls are ignored and return false. */
  settle(outcome: Settle, status: 'completed' | 'failed' | 'cancelled', atMs: number): boolean {
    if (this.settled) return false;
    this.status = status;
    this.finishedAt = atMs;
    this.cleanup?.();
    this.cleanup = undefined;
    if (outcome.ok) {
      this.resolveFn(outcome.value);
    } else {
      this.error = outcome.error;
      this.rejectFn(outcome.error);
    }
    return true;
  }

  snapshot(): TaskSnapshot {
    return {
      id: this.id,
      traceId: this.traceId,
      type: this.type,
      priority: this.options.priority,
      status: this.status,
      attempts: this.attemptsStarted,
      agentId: this.agentId,
      failedAgentIds: [...this.failedAgentIds],
      queuedAt: this.queuedAt,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      assignmentLatencyMs: this.assignmentLatencyMs,
      error: this.error,
    };
  }
}
