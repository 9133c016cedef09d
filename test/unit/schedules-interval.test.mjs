// Interval schedules on a ManualClock with a fake submit: how many times they fire, on which grid,
// what a stalled process does, overlap 'skip' and 'queue', refused firings, settlement counts,
// cancel and stop.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, QueueFullError } from '../../dist/src/index.js';
import { FaultyClock, flush, harness } from './schedules-harness.mjs';

describe('interval schedules fire on a fixed grid', () => {
  it('every 50 ms over 1,000 ms fires exactly 20 times, at 50, 100, ... 1,000', () => {
    const { clock, scheduler, fake, named } = harness();
    const handle = scheduler.add({ everyMs: 50 }, { n: 1 }, { overlap: 'queue' });
    clock.advance(999);
    expect(fake.calls).toBe(19);
    clock.advance(1);
    expect(fake.calls).toBe(20);
    expect(named('scheduleFired').map((e) => e.plannedAtMs)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 50));
    expect(handle.stats()).toEqual({ fired: 20, skipped: 0, rejected: 0, missed: 0, completed: 0, failed: 0 });
  });

  it('each firing submits the payload and the task options, not the schedule options', () => {
    const { clock, scheduler, fake, named } = harness();
    scheduler.add({ everyMs: 10 }, { job: 'report' }, { type: 'ingest', priority: 2, overlap: 'queue' });
    clock.advance(20);
    expect(fake.tasks.map((t) => t.payload)).toEqual([{ job: 'report' }, { job: 'report' }]);
    expect(fake.tasks[0].options).toEqual({ type: 'ingest', priority: 2 });
    expect(named('scheduleFired')[0]).toMatchObject({ scheduleId: 1, taskId: 1, traceId: 'trace-1', plannedAtMs: 10, firedAtMs: 10 });
  });

  it('the payload is copied at schedule(): changing the object later changes no firing', () => {
    const { clock, scheduler, fake } = harness();
    const payload = { n: 1 };
    scheduler.add({ everyMs: 10 }, payload, { overlap: 'queue' });
    payload.n = 2;
    clock.advance(10);
    expect(fake.tasks[0].payload).toEqual({ n: 1 });
  });

  it('does not drift: timers that run 7 ms late leave the planned times on the 50 ms grid', () => {
    const clock = new FaultyClock(0, { lateMs: 7 });
    const { scheduler, named } = harness({ clock });
    scheduler.add({ everyMs: 50 }, {}, { overlap: 'queue' });
    clock.advance(1_010);
    const fired = named('scheduleFired');
    expect(fired.map((e) => e.plannedAtMs)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 50));
    expect(fired.map((e) => e.firedAtMs - e.plannedAtMs)).toEqual(Array(20).fill(7));
  });

  it('skips the periods a stalled process missed instead of firing them in a burst, and counts them', () => {
    const clock = new FaultyClock(0);
    const { scheduler, fake, named } = harness({ clock });
    const handle = scheduler.add({ everyMs: 50 }, {}, { overlap: 'queue' });
    clock.advance(50); // fires for 50
    clock.stall(170); // now 220: 100, 150 and 200 passed with no timer run
    clock.advance(50); // the timer for 100 runs at 270
    expect(fake.calls).toBe(2);
    expect(named('scheduleFired')[1]).toMatchObject({ plannedAtMs: 100, firedAtMs: 270 });
    expect(handle.stats().missed).toBe(3); // 150, 200 and 250 were folded into that one firing
    expect(handle.next()?.getTime()).toBe(300);
    clock.advance(30);
    expect(named('scheduleFired').map((e) => e.plannedAtMs)).toEqual([50, 100, 300]);
  });

  it('immediately: true fires once at schedule time, then on the grid from there', () => {
    const { clock, scheduler, named } = harness({ clock: new FaultyClock(1_000) });
    scheduler.add({ everyMs: 50, immediately: true }, {}, { overlap: 'queue' });
    expect(named('scheduleFired')).toEqual([]); // not inside schedule(): after it returns
    clock.advance(100);
    expect(named('scheduleFired').map((e) => e.plannedAtMs)).toEqual([1_000, 1_050, 1_100]);
  });

  it('next() is the next planned time as a Date', () => {
    const { clock, scheduler } = harness({ clock: new FaultyClock(1_700_000_000_000) });
    const handle = scheduler.add({ everyMs: 60_000 }, {});
    expect(handle.next()).toEqual(new Date(1_700_000_060_000));
    clock.advance(60_000);
    expect(handle.next()).toEqual(new Date(1_700_000_120_000));
  });
});

describe('overlap', () => {
  it("'skip' (the default) skips and counts firings while the previous firing's task is pending", async () => {
    const { clock, scheduler, fake, named } = harness();
    const handle = scheduler.add({ everyMs: 50 }, {});
    clock.advance(50);
    clock.advance(150); // 100, 150, 200: task 1 still pending
    expect(fake.calls).toBe(1);
    expect(named('scheduleSkipped').map((e) => [e.plannedAtMs, e.reason, e.pendingTaskId])).toEqual([
      [100, 'overlap', 1],
      [150, 'overlap', 1],
      [200, 'overlap', 1],
    ]);
    fake.complete(0);
    await flush();
    clock.advance(50);
    expect(fake.calls).toBe(2);
    expect(handle.stats()).toEqual({ fired: 2, skipped: 3, rejected: 0, missed: 0, completed: 1, failed: 0 });
  });

  it("'queue' submits every firing even while earlier tasks are pending", () => {
    const { clock, scheduler, fake, named } = harness();
    const handle = scheduler.add({ everyMs: 50 }, {}, { overlap: 'queue' });
    clock.advance(200);
    expect(fake.calls).toBe(4);
    expect(named('scheduleSkipped')).toEqual([]);
    expect(handle.stats()).toMatchObject({ fired: 4, skipped: 0 });
  });
});

describe('refused firings and settlement', () => {
  it('a firing submit() refuses is counted as rejected and reported, never thrown into the timer', () => {
    const full = new QueueFullError(100, 100, 25);
    const { clock, scheduler, named } = harness({ refuse: (n) => (n === 2 || n === 3 ? full : undefined) });
    const handle = scheduler.add({ everyMs: 50 }, {}, { overlap: 'queue' });
    expect(() => clock.advance(200)).not.toThrow();
    expect(handle.stats()).toMatchObject({ fired: 2, rejected: 2 });
    const rejected = named('scheduleRejected');
    expect(rejected.map((e) => e.plannedAtMs)).toEqual([100, 150]);
    expect(rejected[0].error).toBe(full);
    expect(rejected[0].error.code).toBe(ErrorCodes.QUEUE_FULL);
    expect(named('scheduleFired').map((e) => e.plannedAtMs)).toEqual([50, 200]);
  });

  it('a thrown non-Error is reported as an Error', () => {
    const { clock, scheduler, named } = harness({ refuse: () => 'no' });
    scheduler.add({ everyMs: 50 }, {});
    clock.advance(50);
    expect(named('scheduleRejected')[0].error).toBeInstanceOf(Error);
    expect(named('scheduleRejected')[0].error.message).toBe('no');
  });

  it('counts fired tasks that complete and fail; a failed firing is no unhandled rejection', async () => {
    const { clock, scheduler, fake } = harness();
    const handle = scheduler.add({ everyMs: 50 }, {}, { overlap: 'queue' });
    clock.advance(150);
    fake.complete(0);
    fake.fail(1);
    fake.complete(2);
    await flush();
    expect(handle.stats()).toMatchObject({ fired: 3, completed: 2, failed: 1 });
  });
});

describe('cancel and stop', () => {
  it('cancel() stops the schedule: no firing after it, no timer left, next() undefined', () => {
    const { clock, scheduler, fake } = harness();
    const handle = scheduler.add({ everyMs: 50 }, {}, { overlap: 'queue' });
    clock.advance(100);
    handle.cancel();
    handle.cancel(); // idempotent
    clock.advance(1_000);
    expect(fake.calls).toBe(2);
    expect(handle.next()).toBeUndefined();
    expect(clock.pending).toBe(0);
    expect(scheduler.size).toBe(0);
  });

  it('a listener that cancels during a firing stops the next one', () => {
    const { clock, bus, scheduler, fake } = harness();
    const handle = scheduler.add({ everyMs: 50 }, {}, { overlap: 'queue' });
    bus.on('scheduleFired', () => handle.cancel());
    clock.advance(500);
    expect(fake.calls).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('stop() cancels every schedule and refuses new ones with PoolClosedError', () => {
    const { clock, scheduler, fake } = harness();
    const a = scheduler.add({ everyMs: 50 }, {});
    scheduler.add({ everyMs: 70 }, {});
    scheduler.stop();
    clock.advance(1_000);
    expect(fake.calls).toBe(0);
    expect(a.next()).toBeUndefined();
    expect(clock.pending).toBe(0);
    expect(() => scheduler.add({ everyMs: 50 }, {})).toThrow(expect.objectContaining({ code: ErrorCodes.POOL_CLOSED }));
  });

  it('tasks fired before a cancel are still counted when they settle', async () => {
    const { clock, scheduler, fake } = harness();
    const handle = scheduler.add({ everyMs: 50 }, {});
    clock.advance(50);
    handle.cancel();
    fake.complete(0);
    await flush();
    expect(handle.stats()).toMatchObject({ fired: 1, completed: 1 });
  });
});
