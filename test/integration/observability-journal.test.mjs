/**
 * pool.recentEvents({ limit }): the bounded journal of what the pool emitted,
 * oldest first, numbered by seq. A task's routine steps (taskQueued,
 * taskStarted, taskCompleted) are kept apart as compact steps and merged in
 * order when read; eventJournalSize bounds it and 0 turns it off. resetMetrics() is used as a source of events whose number
 * the test controls.
 */
import { expect } from 'vitest';
import { ErrorCodes, InvalidOptionError, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { rejectionOf, thrownBy } from '../helpers.mjs';

const ROUTINE = [PoolEvents.taskQueued, PoolEvents.taskStarted, PoolEvents.taskCompleted];

/** seq is the order of recording; `at` is when it happened (a start is recorded when its outcome is read, so times may interleave). */
function expectWellFormed(events) {
  for (let i = 1; i < events.length; i++) expect(events[i].seq).toBe(events[i - 1].seq + 1);
  for (const e of events) {
    expect(Object.keys(e).sort()).toEqual(['at', 'event', 'payload', 'seq']);
    expect(Object.values(PoolEvents)).toContain(e.event);
  }
}

poolTest('oldest first, seq increasing by one, payloads as emitted', async ({ usePool, counters }) => {
  const before = Date.now();
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const first = pool.submit({ op: 'throw', code: 'E_J1' }, { traceId: 'trace-j1' });
  await rejectionOf(first.result);
  pool.resetMetrics();
  const second = pool.submit({ op: 'throw', code: 'E_J2' }, { traceId: 'trace-j2' });
  await rejectionOf(second.result);
  const events = pool.recentEvents();
  expectWellFormed(events);
  expect(events[0].seq).toBe(1);
  expect(events[0].at).toBeGreaterThanOrEqual(before);
  expect(events.at(-1).at).toBeLessThanOrEqual(Date.now());
  const names = events.map((e) => e.event);
  // The agents came up first; then each failing task's steps and its failure, the reset between them.
  expect(names.filter((n) => n === PoolEvents.agentReady)).toHaveLength(2);
  expect(names.slice(-7)).toEqual([
    PoolEvents.taskQueued, PoolEvents.taskStarted, PoolEvents.taskFailed, PoolEvents.metricsReset,
    PoolEvents.taskQueued, PoolEvents.taskStarted, PoolEvents.taskFailed,
  ]);
  expect(names.lastIndexOf(PoolEvents.agentReady)).toBeLessThan(names.indexOf(PoolEvents.taskFailed));
  const failures = events.filter((e) => e.event === PoolEvents.taskFailed).map((e) => e.payload);
  expect(failures.map((p) => [p.taskId, p.traceId])).toEqual([
    [first.id, 'trace-j1'],
    [second.id, 'trace-j2'],
  ]);
  expect(failures[0].error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(failures[0].error.cause.code).toBe('E_J1');
});

poolTest("a task's routine steps are journaled, as many as were emitted, each task's in order, without anyone listening", async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  const handles = [1, 2, 3].map((i) => pool.submit({ op: 'echo', value: i }));
  await Promise.all(handles.map((h) => h.result));
  const retried = pool.submit({ op: 'throw', retryable: true, faultOnAttempts: 1 });
  await retried.result;
  const events = pool.recentEvents();
  expectWellFormed(events);
  const count = (name) => events.filter((e) => e.event === name).length;
  expect(ROUTINE.map(count)).toEqual([4, 5, 4]);
  for (const h of [...handles, retried]) {
    const mine = events.filter((e) => e.payload?.taskId === h.id).map((e) => e.event);
    const expected = h === retried ? ['taskQueued', 'taskStarted', 'taskRetried', 'taskStarted', 'taskCompleted'] : ['taskQueued', 'taskStarted', 'taskCompleted'];
    expect(mine).toEqual(expected);
  }
  const completed = events.find((e) => e.event === PoolEvents.taskCompleted && e.payload.taskId === handles[0].id);
  expect(completed.payload).toMatchObject({ taskId: handles[0].id, type: 'general', agentId: expect.any(Number), runMs: expect.any(Number) });
  const started = events.find((e) => e.event === PoolEvents.taskStarted && e.payload.taskId === handles[0].id);
  expect(started.payload.assignmentLatencyMs).toBeGreaterThanOrEqual(0);
});

poolTest('limit returns the most recent events, still oldest first', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  for (let i = 0; i < 4; i++) pool.resetMetrics();
  const all = pool.recentEvents();
  expect(all.length).toBeGreaterThan(4);
  expect(pool.recentEvents({ limit: 3 })).toEqual(all.slice(-3));
  expect(pool.recentEvents({ limit: 1 })).toEqual(all.slice(-1));
  expect(pool.recentEvents({ limit: 0 })).toEqual([]);
  expect(pool.recentEvents({ limit: 10_000 })).toEqual(all);
});

poolTest('eventJournalSize bounds the journal; seq keeps counting past it', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, eventJournalSize: 5, workerData: { counters: counters.sab } });
  const startup = pool.recentEvents();
  const lastStartupSeq = startup.at(-1).seq; // agentSpawned and agentReady of both agents
  expect(lastStartupSeq).toBeGreaterThanOrEqual(4);
  for (let i = 0; i < 12; i++) pool.resetMetrics();
  const events = pool.recentEvents();
  expect(events).toHaveLength(5);
  expectWellFormed(events);
  expect(events.at(-1).seq).toBe(lastStartupSeq + 12);
  expect(events.every((e) => e.event === PoolEvents.metricsReset)).toBe(true);
  expect(pool.recentEvents({ limit: 50 })).toHaveLength(5);
});

poolTest('eventJournalSize: 0 keeps nothing', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, eventJournalSize: 0, workerData: { counters: counters.sab } });
  await rejectionOf(pool.run({ op: 'throw', code: 'E_OFF' }));
  pool.resetMetrics();
  expect(pool.recentEvents()).toEqual([]);
  expect(pool.recentEvents({ limit: 5 })).toEqual([]);
});

poolTest('a bad limit throws InvalidOptionError', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 2, workerData: { counters: counters.sab } });
  for (const limit of [-1, 2.5, '3', Number.NaN]) {
    const error = thrownBy(() => pool.recentEvents({ limit }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.option).toBe('limit');
  }
});
