/**
 * Time as the main thread sees it. Parts that age, time out or watch for
 * silence take a Clock through their constructor, so a unit test can move time
 * forward instead of sleeping for it. `nowMs()` is epoch milliseconds from
 * `performance.timeOrigin + performance.now()`: every thread of the process
 * reads the same origin, so times written by agents compare with it.
 */
export interface Clock {
  nowMs(): number;
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  setInterval(fn: () => void, intervalMs: number): TimerHandle;
  clear(timer: TimerHandle | undefined): void;
}

/** An opaque timer; `unref`'d, so a timer alone never keeps the process alive (the pool's keep-alive does). */
export interface TimerHandle {
  readonly id: unknown;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export const systemClock: Clock = {
  nowMs,
  setTimeout(fn, delayMs) {
    const id = setTimeout(fn, delayMs);
    id.unref();
    return { id };
  },
  setInterval(fn, intervalMs) {
    const id = setInterval(fn, intervalMs);
    id.unref();
    return { id };
  },
  clear(timer) {
    if (timer !== undefined) clearTimeout(timer.id as NodeJS.Timeout);
  },
};

/**
 * A clock that moves only when told to. Timers fire in due order inside
 * `advance()`; a timer set by a firing timer fires in the same call if it is due.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { dueMs: number; fn: () => void; everyMs: number | undefined }>();

  constructor(startMs = 1_000_000) {
    this.#now = startMs;
  }

  nowMs(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { dueMs: this.#now + Math.max(0, delayMs), fn, everyMs: undefined });
    return { id };
  }

  setInterval(fn: () => void, intervalMs: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { dueMs: this.#now + intervalMs, fn, everyMs: Math.max(1, intervalMs) });
    return { id };
  }

  clear(timer: TimerHandle | undefined): void {
    if (timer !== undefined) this.#timers.delete(timer.id as number);
  }

  /** How many timers are armed (a test can check that nothing was left behind). */
  get pending(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: [number, { dueMs: number; fn: () => void; everyMs: number | undefined }] | undefined;
      for (const entry of this.#timers) if (entry[1].dueMs <= until && (next === undefined || entry[1].dueMs < next[1].dueMs)) next = entry;
      if (next === undefined) break;
      const [id, timer] = next;
      this.#now = Math.max(this.#now, timer.dueMs);
      if (timer.everyMs === undefined) this.#timers.delete(id);
      else timer.dueMs += timer.everyMs;
      timer.fn();
    }
    this.#now = until;
  }
}
