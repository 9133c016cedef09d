/**
 * Schedules on a real pool with the real clock: firings are ordinary tasks
 * that run on agents and are counted when they settle; a firing the queue
 * refuses is reported, not thrown; close() and destroy() stop every schedule.
 * Every wait is on an event, a task or a shared counter, never a sleep.
 */
import { expect } from 'vitest';
import { ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, thrownBy, waitForEvents } from '../helpers.mjs';

const TRACKING_AGENT = new URL('../fixtures/tracking-agent.mjs', import.meta.url);
const SCHEDULE_EVENTS = [PoolEvents.scheduleFired, PoolEvents.scheduleSkipped, PoolEvents.scheduleRejected];

poolTest('a 20 ms schedule fires tasks that run on agents, and its stats count them completed', async ({ usePool }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 2 });
  const seen = recordEvents(pool, [PoolEvents.taskCompleted]);
  const fired = waitForEvents(pool, PoolEvents.scheduleFired, 3);
  const handle = pool.schedule({ everyMs: 20 }, { op: 'echo', value: 'tick' }, { type: 'ingest' });
  const firings = await fired;
  handle.cancel();
  await pool.onIdle();
  seen.stop();
  const stats = handle.stats();
  expect(stats.fired).toBeGreaterThanOrEqual(3);
  expect(stats).toMatchObject({ completed: stats.fired, failed: 0, rejected: 0 });
  const completedIds = new Set(seen.events.taskCompleted.map((e) => e.taskId));
  for (const { taskId, scheduleId } of firings) {
    expect(scheduleId).toBe(handle.id);
    expect(completedIds.has(taskId)).toBe(true);
    expect(pool.getTask(taskId)).toMatchObject({ status: 'completed', type: 'ingest' });
    expect(pool.getTask(taskId).agentId).toEqual(expect.any(Number));
  }
  // Planned on the 20 ms grid from the first one: late wake-ups do not shift it.
  const plannedMs = firings.map((e) => e.plannedAtMs);
  for (const atMs of plannedMs) {
    const periods = (atMs - plannedMs[0]) / 20;
    expect(Math.abs(periods - Math.round(periods))).toBeLessThan(1e-6);
  }
  expect(handle.next()).toBeUndefined();
});

poolTest('a firing the full queue refuses is counted as rejected with QueueFullError, and the schedule goes on', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 1, queueCapacity: 1, workerData: { counters: counters.sab } });
  const running = pool.submit({ op: 'echo', gate: 0, key: 0 });
  await counters.waitForStarted(0);
  const waiting = pool.submit({ op: 'echo', key: 1 }); // fills the queue
  const rejected = waitForEvents(pool, PoolEvents.scheduleRejected, 2);
  const handle = pool.schedule({ everyMs: 10 }, { op: 'echo', key: 2 }, { overlap: 'queue' });
  const [first] = await rejected;
  expect(first.error.code).toBe(ErrorCodes.QUEUE_FULL);
  expect(first.error.status).toBe(429);
  const fired = waitForEvents(pool, PoolEvents.scheduleFired, 1);
  counters.openGate(0);
  await Promise.all([running.result, waiting.result]);
  await fired; // room again: the next firing is accepted
  handle.cancel();
  await pool.onIdle();
  expect(handle.stats().rejected).toBeGreaterThanOrEqual(2);
  expect(handle.stats().completed).toBe(handle.stats().fired);
});

poolTest('close() stops every schedule: no firing once close begins, and schedule() is refused after', async ({ usePool }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 2 });
  const handles = [pool.schedule({ everyMs: 5 }, { op: 'echo' }), pool.schedule({ everyMs: 7 }, { op: 'echo' }, { overlap: 'queue' })];
  await waitForEvents(pool, PoolEvents.scheduleFired, 4);
  const before = handles.map((h) => h.stats());
  const after = recordEvents(pool, SCHEDULE_EVENTS);
  const closing = pool.close();
  for (const h of handles) expect(h.next()).toBeUndefined();
  await closing;
  after.stop();
  // Had a timer survived, its firings during the drain would show here, or as PoolClosedError rejections.
  for (const name of SCHEDULE_EVENTS) expect(after.events[name], name).toEqual([]);
  handles.forEach((h, i) => {
    expect(h.stats()).toMatchObject({ fired: before[i].fired, skipped: before[i].skipped, rejected: 0 });
    expect(h.stats().completed + h.stats().failed).toBe(h.stats().fired);
  });
  expect(thrownBy(() => pool.schedule({ everyMs: 5 }, {})).code).toBe(ErrorCodes.POOL_CLOSED);
});

poolTest('destroy() stops every schedule too', async ({ usePool }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 1 });
  const handle = pool.schedule({ everyMs: 5, immediately: true }, { op: 'echo' });
  await waitForEvents(pool, PoolEvents.scheduleFired, 1);
  const after = recordEvents(pool, SCHEDULE_EVENTS);
  await pool.destroy();
  after.stop();
  for (const name of SCHEDULE_EVENTS) expect(after.events[name], name).toEqual([]);
  expect(handle.next()).toBeUndefined();
  expect(thrownBy(() => pool.schedule({ everyMs: 5 }, {})).code).toBe(ErrorCodes.POOL_CLOSED);
});

poolTest('schedule() throws InvalidOptionError naming the field, with nothing started', async ({ usePool }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 1 });
  expect(thrownBy(() => pool.schedule({ everyMs: 0 }, {}))).toMatchObject({ code: ErrorCodes.INVALID_OPTION, option: 'when.everyMs' });
  expect(thrownBy(() => pool.schedule({ cron: 'every day' }, {}))).toMatchObject({ code: ErrorCodes.INVALID_OPTION, option: 'when.cron' });
  expect(thrownBy(() => pool.schedule({ cron: '0 9 * * 1', tz: 'Europe/Parys' }, {}))).toMatchObject({ code: ErrorCodes.INVALID_OPTION, option: 'when.tz' });
  expect(thrownBy(() => pool.schedule({ everyMs: 50 }, {}, { overlapp: 'skip' }))).toMatchObject({ code: ErrorCodes.INVALID_OPTION, option: 'overlapp' });
});
