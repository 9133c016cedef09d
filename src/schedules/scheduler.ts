import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { PoolClosedError } from '../errors.js';
import { nextFiringMs } from './next-firing.js';
import { Schedule, type SubmitFn } from './schedule.js';
import { parseScheduleOptions, parseWhen, snapshotPayload } from './spec.js';
import type { ScheduleHandle } from './types.js';

export interface SchedulerParts {
  clock: Clock;
  bus: EventBus;
  submit: SubmitFn;
}

/**
 * The pool's schedules: checks what schedule() is given, starts each
 * schedule's timer and stops them all when the pool closes. Timers come from
 * the clock, which unrefs them: a schedule never keeps a process alive on its
 * own; the tasks it fires do, while they are pending, like any task.
 */
export class Scheduler {
  readonly #p: SchedulerParts;
  readonly #live = new Map<number, Schedule>();
  #seq = 0;
  #stopped = false;

  constructor(parts: SchedulerParts) {
    this.#p = parts;
  }

  /** How many schedules can still fire (for tests: a cancelled schedule is let go). */
  get size(): number {
    return this.#live.size;
  }

  /** Throws, with nothing started, on bad input (InvalidOptionError, DataCloneError) or once stopped (PoolClosedError). */
  add(when: unknown, payload: unknown, options: unknown): ScheduleHandle {
    if (this.#stopped) throw new PoolClosedError();
    const { clock, bus, submit } = this.#p;
    const nowMs = clock.nowMs();
    const { timing, immediately } = parseWhen(when, nowMs);
    const { overlap, taskOptions } = parseScheduleOptions(options);
    const schedule = new Schedule({
      id: ++this.#seq,
      clock,
      bus,
      submit,
      timing,
      firstAtMs: immediately ? nowMs : nextFiringMs(timing, nowMs),
      payload: snapshotPayload(payload),
      taskOptions,
      overlap,
    });
    this.#live.set(schedule.id, schedule);
    schedule.start();
    return Object.freeze({
      id: schedule.id,
      cancel: () => {
        schedule.cancel();
        this.#live.delete(schedule.id);
      },
      next: () => (schedule.nextAtMs === undefined ? undefined : new Date(schedule.nextAtMs)),
      stats: () => schedule.stats(),
    });
  }

  /** Cancels every schedule and refuses new ones: the pool is closing. Idempotent. */
  stop(): void {
    this.#stopped = true;
    for (const schedule of this.#live.values()) schedule.cancel();
    this.#live.clear();
  }
}
