import type { AttemptRecord } from '../errors.js';

/** One started try of a task. `error` is set when the try failed; open tries have no `finishedAt`. */
export interface AttemptEntry {
  attempt: number;
  agentId: number;
  generation: number;
  /** Which placement of the task this try ran in: a placement is counted as a try at most once. */
  placement: number;
  startedAt: number;
  finishedAt: number | undefined;
  error: Error | undefined;
}

/**
 * The log of a task's tries. Everything the scheduler needs about where the
 * task went wrong is derived from it, never stored beside it: the agents that
 * failed it, the incarnations it must never run on again, the records a final
 * TaskFailedError lists.
 */
export class AttemptLog {
  #entries: AttemptEntry[] = [];

  get started(): number {
    return this.#entries.length;
  }

  /** The try of `placement`, when that placement has already been counted. */
  of(placement: number): AttemptEntry | undefined {
    const last = this.#entries[this.#entries.length - 1];
    return last?.placement === placement ? last : undefined;
  }

  /** Counts the try of `placement` once, however many times it is seen running. */
  start(placement: number, agentId: number, generation: number, startedAt: number): AttemptEntry {
    const existing = this.of(placement);
    if (existing !== undefined) return existing;
    const entry: AttemptEntry = { attempt: this.#entries.length + 1, agentId, generation, placement, startedAt, finishedAt: undefined, error: undefined };
    // Most tasks run once: a one-element literal, where a push onto [] reserves room for 17.
    if (this.#entries.length === 0) this.#entries = [entry];
    else this.#entries.push(entry);
    return entry;
  }

  /** Stable ids of agents on which a try failed, in order (with repeats, as the tries happened). */
  failedAgentIds(): number[] {
    const out: number[] = [];
    for (const e of this.#entries) if (e.error !== undefined) out.push(e.agentId);
    return out;
  }

  /** "agentId:generation" of incarnations that failed the task: never run it there again. */
  failedIncarnations(): Set<string> {
    const out = new Set<string>();
    for (const e of this.#entries) if (e.error !== undefined) out.add(`${e.agentId}:${e.generation}`);
    return out;
  }

  /** The failed tries in the public form a TaskFailedError carries. */
  failures(): AttemptRecord[] {
    const out: AttemptRecord[] = [];
    for (const e of this.#entries) {
      if (e.error !== undefined) out.push({ attempt: e.attempt, agentId: e.agentId, generation: e.generation, error: e.error, startedAt: e.startedAt, finishedAt: e.finishedAt ?? e.startedAt });
    }
    return out;
  }

  lastStarted(): AttemptEntry | undefined {
    return this.#entries[this.#entries.length - 1];
  }

  lastError(): Error | undefined {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i];
      if (e?.error !== undefined) return e.error;
    }
    return undefined;
  }
}
