import { safeString, type EventBus } from '../bus.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { TaskHandle, TaskOptions } from '../types.js';
import { firingsBetween, nextFiringMs, type FiringSpec } from './next-firing.js';
import type { ScheduleOverlap, ScheduleStats } from './types.js';

/** submit() as a schedule sees it: the pool's public one, so every firing is an ordinary task (queue bound, retries, timeouts). */
export type SubmitFn = (payload: unknown, options: TaskOptions) => TaskHandle<unknown>;

/**
 * Node runs a timer longer than this after 1 ms instead (with a warning), so a
 * monthly pattern arms at most this far ahead, wakes early and re-arms.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface ScheduleParts {
  id: number;
  clock: Clock;
  bus: EventBus;
  submit: SubmitFn;
  timing: FiringSpec;
  /** Epoch ms of the first firing (now, with `immediately`). */
  firstAtMs: number | undefined;
  payload: unknown;
  taskOptions: Readonly<TaskOptions>;
  overlap: ScheduleOverlap;
}

/**
 * One schedule: a single timer armed for the next planned time. Each wake-up
 * fires at most once, so a process that was stalled never bursts; what it
 * owes is counted as missed and the next time comes from the timing, not from
 * the late wake-up. Nothing a firing does is thrown into the timer: a refused
 * submit is counted and reported as an event.
 */
export class Schedule {
  readonly id: number;
  readonly #p: ScheduleParts;
  readonly #stats: ScheduleStats = { fired: 0, skipped: 0, rejected: 0, missed: 0, completed: 0, failed: 0 };
  #nextAtMs: number | undefined;
  #timer: TimerHandle | undefined;
  #cancelled = false;
  /** Fired tasks not settled yet; with overlap 'skip' at most one, the last fired. */
  #pendingCount = 0;
  #lastTaskId = 0;

  constructor(parts: ScheduleParts) {
    this.#p = parts;
    this.id = parts.id;
    this.#nextAtMs = parts.firstAtMs;
  }

  start(): void {
    this.#arm();
  }

  /** No firing after this; fired tasks run on and are still counted when they settle. */
  cancel(): void {
    this.#cancelled = true;
    this.#nextAtMs = undefined;
    this.#p.clock.clear(this.#timer);
    this.#timer = undefined;
  }

  get nextAtMs(): number | undefined {
    return this.#nextAtMs;
  }

  stats(): ScheduleStats {
    return { ...this.#stats };
  }

  #arm(): void {
    const { clock } = this.#p;
    if (this.#cancelled || this.#nextAtMs === undefined) return;
    const delayMs = Math.min(Math.max(0, this.#nextAtMs - clock.nowMs()), MAX_TIMER_DELAY_MS);
    this.#timer = clock.setTimeout(() => this.#wake(), delayMs);
  }

  #wake(): void {
    this.#timer = undefined;
    const plannedAtMs = this.#nextAtMs;
    if (this.#cancelled || plannedAtMs === undefined) return;
    const { clock, timing } = this.#p;
    const nowMs = clock.nowMs();
    // A capped delay, or a timer that ran a little ahead of the clock: not due yet.
    if (nowMs < plannedAtMs) return this.#arm();
    this.#stats.missed += firingsBetween(timing, plannedAtMs, nowMs);
    this.#nextAtMs = nextFiringMs(timing, nowMs);
    // Armed before firing, so a listener that cancels during the firing's events clears it.
    this.#arm();
    this.#fire(plannedAtMs, nowMs);
  }

  #fire(plannedAtMs: number, firedAtMs: number): void {
    const { bus, submit, payload, taskOptions, overlap } = this.#p;
    const ref = { scheduleId: this.id, plannedAtMs, firedAtMs };
    if (overlap === 'skip' && this.#pendingCount > 0) {
      this.#stats.skipped++;
      bus.emit('scheduleSkipped', { ...ref, reason: 'overlap', pendingTaskId: this.#lastTaskId });
      return;
    }
    let handle: TaskHandle<unknown>;
    try {
      handle = submit(payload, taskOptions);
    } catch (error) {
      this.#stats.rejected++;
      bus.emit('scheduleRejected', { ...ref, error: error instanceof Error ? error : new Error(safeString(error)) });
      return;
    }
    this.#stats.fired++;
    this.#pendingCount++;
    this.#lastTaskId = handle.id;
    // Handled here, so a failed firing is counted, never an unhandled rejection (taskFailed still reports it).
    void handle.result.then(
      () => this.#settled('completed'),
      () => this.#settled('failed'),
    );
    bus.emit('scheduleFired', { ...ref, taskId: handle.id, traceId: handle.traceId });
  }

  #settled(outcome: 'completed' | 'failed'): void {
    this.#pendingCount--;
    this.#stats[outcome]++;
  }
}
