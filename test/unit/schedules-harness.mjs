/**
 * What the schedule unit tests share: a Scheduler on a ManualClock with a
 * fake submit whose tasks the test settles by hand, a clock that can be made
 * to run its timers late or to jump (a stalled event loop), and an event log.
 * No threads, no real time.
 */
import { EventBus } from '../../dist/src/bus.js';
import { ManualClock } from '../../dist/src/clock.js';
import { Scheduler } from '../../dist/src/schedules/scheduler.js';

export const SCHEDULE_EVENTS = ['scheduleFired', 'scheduleSkipped', 'scheduleRejected'];

/**
 * A ManualClock seen through two faults a real process has: `lateMs` makes
 * every timer run that much after its due time, and `stall(ms)` moves "now"
 * forward without running any timer, as a blocked event loop would.
 */
export class FaultyClock {
  constructor(startMs = 0, { lateMs = 0 } = {}) {
    this.manual = new ManualClock(startMs);
    this.lateMs = lateMs;
    this.offsetMs = 0;
    this.delaysMs = [];
  }

  nowMs() {
    return this.manual.nowMs() + this.offsetMs;
  }

  setTimeout(fn, delayMs) {
    this.delaysMs.push(delayMs);
    return this.manual.setTimeout(fn, delayMs + this.lateMs);
  }

  setInterval(fn, intervalMs) {
    return this.manual.setInterval(fn, intervalMs);
  }

  clear(timer) {
    this.manual.clear(timer);
  }

  get pending() {
    return this.manual.pending;
  }

  advance(ms) {
    this.manual.advance(ms);
  }

  stall(ms) {
    this.offsetMs += ms;
  }
}

/**
 * A submit that accepts every task (or throws what `refuse(n)` returns for
 * the n-th call) and leaves each task pending until the test calls
 * `complete(i)` or `fail(i)` on `tasks[i]`.
 */
export function fakeSubmit({ refuse = () => undefined } = {}) {
  const tasks = [];
  let calls = 0;
  let seq = 0;
  const submit = (payload, options) => {
    const refusal = refuse(++calls);
    if (refusal !== undefined) throw refusal;
    let settle;
    const result = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    const id = ++seq;
    tasks.push({ id, traceId: `trace-${id}`, payload, options, settle });
    return { id, traceId: `trace-${id}`, result };
  };
  return {
    submit,
    tasks,
    get calls() {
      return calls;
    },
    complete: (i, value = 'done') => tasks[i].settle.resolve(value),
    fail: (i, error = new Error('task failed')) => tasks[i].settle.reject(error),
  };
}

/** Lets the tasks' settlement handlers (promise reactions) run. */
export const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A Scheduler wired to `clock`, a fake submit and a bus whose schedule events are recorded in `events`. */
export function harness({ clock = new FaultyClock(0), refuse } = {}) {
  const bus = new EventBus();
  const events = [];
  for (const name of SCHEDULE_EVENTS) bus.on(name, (payload) => events.push({ name, ...payload }));
  const fake = fakeSubmit({ refuse });
  const scheduler = new Scheduler({ clock, bus, submit: fake.submit });
  const named = (name) => events.filter((e) => e.name === name);
  return { clock, bus, events, named, fake, scheduler };
}
