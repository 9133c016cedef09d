import type { TimerHandle } from '../clock.js';
import type { ResolvedTaskOptions } from '../options.js';
import type { EncodedPayload } from './payload.js';
import { AttemptLog } from './attempts.js';
import type { TaskPhase } from './phase.js';

export type Settle = { ok: true; value: unknown } | { ok: false; error: Error };

/**
 * The coordinator's record of one accepted task. Its phase and its slot are
 * changed only by the TaskLedger (the one owner of task state); everything else
 * reads them. It is the source of truth for what each agent was running: a
 * worker that dies by `process.exit` emits no error, so a lost task is found
 * from here and from the slot's claim.
 */
export class Task {
  /** Set by the ledger only. */
  phase: TaskPhase = 'queued';
  /** The slot in shared memory while the task is waiting, running or finishing. Set by the ledger only. */
  slot: number | undefined;
  /** Bumped each time the task is written into a slot; a placement is counted as a try at most once. */
  placement = 0;
  /** Bit mask of the roles that may run it; 0 until routed (its roles' types were not known yet). Set once. */
  route = 0;
  /** The task whose handler submitted this one (ctx.run / ctx.submit). */
  parentId: number | undefined;
  readonly attempts = new AttemptLog();
  finishedAt: number | undefined;
  assignmentLatencyMs: number | undefined;
  error: Error | undefined;
  /** Removes the abort listener; run on settle so no listener outlives the task. */
  cleanup: (() => void) | undefined;
  /** timeoutMs, armed when the agent reports the handler started. */
  deadlineTimer: TimerHandle | undefined;
  /** After abort or timeout of a running task: terminate its agent if the handler has not returned by then. */
  graceTimer: TimerHandle | undefined;
  #resolve!: (value: unknown) => void;
  #reject!: (error: Error) => void;
  /** The caller's promise. Nothing keeps a settled task (the ledger copies what getTask() shows), so it does not outlive the caller's hold on it. */
  readonly result: Promise<unknown>;

  constructor(
    readonly id: number,
    readonly options: ResolvedTaskOptions,
    /** The payload as of submit: encoded bytes, or a clone where bytes cannot carry it. Dropped once settled. */
    public payload: EncodedPayload,
    readonly queuedAt: number,
    /** Prefix of generated trace ids (one per pool), so no id is made until someone reads it. */
    readonly tracePrefix: string,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get type(): string {
    return this.options.type;
  }

  /** The caller's trace id, or `<pool prefix>-<task id>`: unique per process, built only when read. */
  get traceId(): string {
    return this.options.traceId ?? `${this.tracePrefix}-${this.id}`;
  }

  get settled(): boolean {
    return this.phase === 'completed' || this.phase === 'failed' || this.phase === 'cancelled';
  }

  /** The agent of the current or last try. */
  get agentId(): number | undefined {
    return this.attempts.lastStarted()?.agentId;
  }

  get startedAt(): number | undefined {
    return this.attempts.lastStarted()?.startedAt;
  }

  /** Resolves or rejects the caller's promise. The ledger calls it once, from settle(). */
  deliver(outcome: Settle): void {
    if (outcome.ok) {
      this.#resolve(outcome.value);
      return;
    }
    // The caller may never await (fire-and-forget submit): a rejection is still reported
    // through events and getTask(), so it must not also crash the process as unhandled.
    // Marked handled only here, so a task that completes costs no extra promise.
    this.result.catch(noop);
    this.#reject(outcome.error);
  }
}

function noop(): void {}

/** What submit() returns: the trace id is built only if the caller reads it. */
export class Handle<T> {
  readonly id: number;
  readonly result: Promise<T>;
  readonly #task: Task;

  constructor(task: Task) {
    this.#task = task;
    this.id = task.id;
    this.result = task.result as Promise<T>;
  }

  get traceId(): string {
    return this.#task.traceId;
  }

  toJSON(): { id: number; traceId: string } {
    return { id: this.id, traceId: this.traceId };
  }
}
