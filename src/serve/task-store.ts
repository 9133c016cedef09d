import { errorJson } from './http-errors.js';

export interface StoredOutcome {
  ok: boolean;
  result?: unknown;
  error?: ReturnType<typeof errorJson>;
}

/**
 * The outcomes of tasks submitted over HTTP, for GET /tasks/{id}: kept for
 * the last `keep` tasks (oldest dropped first), with each pending task's
 * AbortController so POST /tasks/{id}/cancel can abort it.
 */
export class TaskStore {
  readonly #outcomes = new Map<number, StoredOutcome>();
  readonly #controllers = new Map<number, AbortController>();
  readonly #order: number[] = [];

  constructor(private readonly keep: number) {}

  track(id: number, controller: AbortController, result: Promise<unknown>): void {
    this.#controllers.set(id, controller);
    result.then(
      (value) => this.#settle(id, { ok: true, result: value }),
      (error: unknown) => this.#settle(id, { ok: false, error: errorJson(error) }),
    );
  }

  #settle(id: number, outcome: StoredOutcome): void {
    this.#controllers.delete(id);
    this.#outcomes.set(id, outcome);
    this.#order.push(id);
    if (this.#order.length > this.keep) this.#outcomes.delete(this.#order.shift() as number);
  }

  outcome(id: number): StoredOutcome | undefined {
    return this.#outcomes.get(id);
  }

  /** False when the task is not pending here (unknown, or already settled). */
  cancel(id: number, reason: string): boolean {
    const controller = this.#controllers.get(id);
    if (controller === undefined) return false;
    controller.abort(new Error(reason));
    return true;
  }
}
